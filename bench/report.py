#!/usr/bin/env python3
# Gathers the parts bench/run.sh wrote into bench/results/latest.json and prints the table of docs/benchmarks.md.
import argparse
import glob
import json
import os
import platform
import re
import subprocess


def load(path):
    with open(path) as f:
        return json.load(f)


def ratio(a, b):
    return round(a / b, 3) if a and b else None


def main():
    ap = argparse.ArgumentParser()
    for flag in ("--parts", "--out", "--build-dir", "--started", "--load-start", "--load-end", "--quick", "--scale"):
        ap.add_argument(flag, required=True)
    a = ap.parse_args()
    p = a.parts

    build_type = "unknown"
    try:
        for line in open(os.path.join(a.build_dir, "CMakeCache.txt")):
            if line.startswith("CMAKE_BUILD_TYPE:"):
                build_type = line.split("=", 1)[1].strip()
    except OSError:
        pass
    cpu = "unknown"
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                cwd=os.path.dirname(os.path.abspath(__file__))).stdout.strip()
    except OSError:
        commit = ""

    limit = load(f"{p}/hsm_limit.json")
    startup = {}
    for f in glob.glob(f"{p}/startup-*.json"):
        startup.update(load(f))
    loads = {os.path.basename(f)[5:-5]: load(f) for f in glob.glob(f"{p}/load-*.json")}
    # firmad's CPU time per transaction (warm-up ones included: they cost the same work).
    for name, r in loads.items():
        cpu_file = f"{p}/cpu-{name}.json"
        if os.path.exists(cpu_file):
            done = r.get("transactions", 0) + r.get("failed", 0) + r.get("warmup", 0)
            cpu = load(cpu_file)
            firmad_cpu = cpu["firmad_cpu_seconds"]
            r["firmad_cpu_seconds"] = firmad_cpu
            # Argon2id's own CPU inside firmad (its counter on /metrics), beside the process's.
            argon_cpu = cpu.get("firmad_argon2id_cpu_seconds")
            r["firmad_argon2id_cpu_seconds"] = argon_cpu
            r["firmad_argon2id_cpu_ms_per_transaction"] = round(argon_cpu * 1000 / done, 2) if done and argon_cpu else None
            r["firmad_cpu_ms_per_transaction"] = round(firmad_cpu * 1000 / done, 2) if done else None
            r["firmad_cpu_ms_per_signature"] = round(firmad_cpu * 1000 / done / r["documents"], 3) if done else None
    argon_now = {os.path.basename(f)[7:-5]: load(f)["argon2id"] for f in glob.glob(f"{p}/argon2-*.json")}
    seeds = {os.path.basename(f)[5:-5]: load(f) for f in glob.glob(f"{p}/seed-*.json")}

    c_sign = limit["c_sign"]
    ec2 = c_sign["ec_p256"]["threads_2"]
    ec_best = max(c_sign["ec_p256"]["threads_1"], ec2)
    batch_raw, batch_cades = loads.get("batch_raw", {}), loads.get("batch_cades", {})
    service = {
        "batch_raw": batch_raw,
        "batch_cades": batch_cades,
        "raw_signatures_per_second": batch_raw.get("signatures_per_second"),
        "cades_signatures_per_second": batch_cades.get("signatures_per_second"),
        "ratio_to_hsm_limit": ratio(batch_raw.get("signatures_per_second"), ec2),
        "ratio_to_hsm_limit_best_threads": ratio(batch_raw.get("signatures_per_second"), ec_best),
        "cades_ratio_to_hsm_limit": ratio(batch_cades.get("signatures_per_second"), ec2),
    }

    argon = limit["argon2id"]
    flow = {f"concurrency_{c}": loads.get(f"flow_c{c}", {}) for c in (1, 8, 32)}
    for c in (1, 8, 32):
        a8 = argon_now.get(f"flow_c{c}")
        if a8 and flow[f"concurrency_{c}"]:
            flow[f"concurrency_{c}"]["argon2id_just_before"] = a8
    a8 = argon_now.get("flow_c8", argon)
    argon_limit = round(2 * 1000.0 / a8["check"]["p50_ms"], 2)
    tps8 = flow["concurrency_8"].get("transactions_per_second")
    cpu8 = flow["concurrency_8"].get("firmad_cpu_ms_per_transaction")
    flow_summary = {
        "argon2id_check_ms": a8["check"]["p50_ms"],
        "argon2id_check_cpu_ms": a8.get("cpu_ms"),
        "argon2id_limit_tps_2_cores": argon_limit,
        "argon2id_measured_per_second_2_threads": a8["per_second_threads_2"],
        "tps_concurrency_8": tps8,
        "ratio_concurrency_8_to_argon2id_limit": ratio(tps8, argon_limit),
        "ratio_concurrency_8_to_measured_2_thread_argon2id": ratio(tps8, a8["per_second_threads_2"]),
        "firmad_cpu_ms_per_transaction_concurrency_8": cpu8,
        # Argon2id's share of firmad's CPU per transaction, both measured inside firmad over the same run (the
        # hash's thread CPU time, counted by firmad, over the process's): what 2 cores given to firmad alone would
        # reach. Two checks at once on two cores cost more CPU each than one alone (they share the memory bus and
        # the last-level cache), so the estimate from the check measured alone is lower; it stays beside it.
        "argon2id_cpu_ms_per_transaction_in_firmad": flow["concurrency_8"].get("firmad_argon2id_cpu_ms_per_transaction"),
        "cpu_ratio_argon2id_to_transaction": ratio(flow["concurrency_8"].get("firmad_argon2id_cpu_ms_per_transaction"), cpu8),
        "cpu_ratio_argon2id_alone_to_transaction": ratio(a8.get("cpu_ms"), cpu8),
    }
    # Issue 11: the cheap steps must not wait behind password checks: p95 at concurrency 32 over p95 at 1.
    c1, c32 = flow["concurrency_1"], flow["concurrency_32"]
    flow_summary["p95_ratio_concurrency_32_to_1"] = {
        step: ratio(c32["steps"][step]["p95_ms"], c1["steps"][step]["p95_ms"]) if c1 and c32 else None
        for step in ("create", "summary", "fetch")}

    sizes = [int(s) for s in a.scale.split(",")]
    runs = {}
    for name, r in loads.items():
        m = re.fullmatch(r"scale_(\d+)", name)
        if m:
            n = int(m.group(1))
            runs[n] = {"citizens": n, "confirm": r["steps"]["confirm"], "authenticate": r["steps"]["authenticate"],
                       "transaction": r["steps"]["transaction"], "transactions_per_second": r["transactions_per_second"],
                       "failed": r["failed"], "firmad_ready_seconds": startup.get(f"citizens_{n}"),
                       "firmad_cpu_ms_per_transaction": r.get("firmad_cpu_ms_per_transaction")}
    largest = max(runs) if runs else None
    base = runs.get(sizes[0])
    scale = {
        "runs": [runs[n] for n in sorted(runs)],
        "largest_citizens": largest,
        "p50_ratio_largest_to_1k": ratio(runs[largest]["confirm"]["p50_ms"], base["confirm"]["p50_ms"])
        if base and largest else None,
        "p99_ratio_largest_to_1k": ratio(runs[largest]["confirm"]["p99_ms"], base["confirm"]["p99_ms"])
        if base and largest else None,
        "seeding": [dict(v, name=k) for k, v in sorted(seeds.items(), key=lambda kv: kv[1]["from"])
                    if not k.startswith("wrapped-")],
        "target_citizens": sizes[-1],
    }
    rss = {os.path.basename(f)[4:-5]: load(f)["rss_kib"] for f in glob.glob(f"{p}/rss-*.json")}
    for n, r in runs.items():
        r["firmad_rss_mib"] = round(rss[f"scale_{n}"] / 1024, 1) if f"scale_{n}" in rss else None

    # Wrapped custody (issue 16): the same runs with keys wrapped in the database, beside the token's.
    wrapped_runs = {}
    for name, r in loads.items():
        m = re.fullmatch(r"scale_wrapped_(\d+)", name)
        if m:
            n = int(m.group(1))
            wrapped_runs[n] = {"citizens": n, "confirm": r["steps"]["confirm"], "transaction": r["steps"]["transaction"],
                               "transactions_per_second": r["transactions_per_second"], "failed": r["failed"],
                               "firmad_ready_seconds": startup.get(f"wrapped_citizens_{n}"),
                               "firmad_rss_mib": round(rss[name] / 1024, 1) if name in rss else None,
                               "firmad_cpu_ms_per_transaction": r.get("firmad_cpu_ms_per_transaction")}
    wrapped = {}
    if wrapped_runs:
        w_largest, w_base = max(wrapped_runs), wrapped_runs[min(wrapped_runs)]
        w_top = wrapped_runs[w_largest]
        w_limit = limit.get("wrapped", {})
        token_sign = limit.get("hsm_layer_sign", {}).get("ec_p256", {})
        wrapped = {
            "runs": [wrapped_runs[n] for n in sorted(wrapped_runs)],
            "largest_citizens": w_largest,
            "p50_ratio_largest_to_1k": ratio(w_top["confirm"]["p50_ms"], w_base["confirm"]["p50_ms"]),
            "p99_ratio_largest_to_1k": ratio(w_top["confirm"]["p99_ms"], w_base["confirm"]["p99_ms"]),
            "startup_ratio_largest_to_1k": ratio(w_top["firmad_ready_seconds"], w_base["firmad_ready_seconds"]),
            "seeding": [dict(v, name=k) for k, v in sorted(seeds.items(), key=lambda kv: kv[1]["from"])
                        if k.startswith("wrapped-")],
            "generate_and_wrap_per_second": w_limit.get("generate_and_wrap_per_second"),
            "unwrap_sign_per_second": w_limit.get("unwrap_sign"),
            "cached_sign_per_second": w_limit.get("cached_sign"),
            "token_key_sign_per_second": {k: v for k, v in token_sign.items() if k.startswith("threads_")},
            "ratio_unwrap_sign_to_token_sign": ratio(w_limit.get("unwrap_sign", {}).get("threads_1"),
                                                     token_sign.get("threads_1")),
        }
    scale["wrapped"] = wrapped
    first_seed = seeds.get(str(sizes[0]), {})
    keygen = limit["c_generate_key_pair"]["ec_p256"]
    issuance = {
        "certificates_per_second": first_seed.get("certificates_per_second"),
        "issue_latency": first_seed.get("issue_latency"),
        "threads": first_seed.get("threads"),
        "raw_c_generate_key_pair_per_second": keygen["threads_1"],
        "raw_c_generate_key_pair_per_second_2_threads": keygen["threads_2"],
        "hsm_layer_generate_key_pair_per_second": keygen["hsm_layer_threads_1"],
        "ratio_to_raw_keygen": ratio(first_seed.get("certificates_per_second"), keygen["threads_1"]),
    }

    # The CSC front (explicit mode), over the same 2-thread C_Sign rate as the service batch. A figure counts only
    # if every signature it returned verified (firma_csc_load checks them all with OpenSSL after the timed parts).
    csc = {}
    try:
        csc = load(f"{p}/csc.json")
    except (OSError, ValueError):
        pass
    for name in ("sign_hash", "authorize_and_sign"):
        r = csc.get(name)
        if r:
            sound = r["signatures_bad"] == 0 and r["failed"] == 0 and r["signatures"] > 0
            r["hsm_limit_ec_p256_threads_2"] = ec2
            r["ratio_to_hsm_limit"] = ratio(r["signatures_per_second"], ec2) if sound else None
            if r.get("firmad_cpu_us_per_signature"):
                r["cpu_ratio_c_sign_to_signature"] = ratio(c_sign["ec_p256"].get("cpu_us_threads_1"),
                                                           r["firmad_cpu_us_per_signature"])
    if os.path.exists(f"{p}/cpu-csc.json"):
        csc["firmad_argon2id_cpu_seconds"] = load(f"{p}/cpu-csc.json")["firmad_argon2id_cpu_seconds"]

    def goal(value, target, higher=True):
        met = None if value is None else (value >= target if higher else value <= target)
        return {"value": value, "goal": (">= " if higher else "<= ") + str(target), "met": met}

    # CPU views of the same goals (robust on a shared machine): HSM CPU per signature over firmad CPU per signature.
    sign_cpu = c_sign["ec_p256"].get("cpu_us_threads_1")
    raw_cpu_sig = batch_raw.get("firmad_cpu_ms_per_signature")
    service["cpu_ratio_c_sign_to_service_signature"] = ratio(sign_cpu / 1000 if sign_cpu else None, raw_cpu_sig)
    keygen_cpu = limit["c_generate_key_pair"]["ec_p256"].get("cpu_us_threads_1")
    issuance["cpu_ms_per_certificate"] = first_seed.get("cpu_ms_per_certificate")
    issuance["raw_c_generate_key_pair_cpu_ms"] = round(keygen_cpu / 1000, 3) if keygen_cpu else None
    issuance["cpu_ratio_to_raw_keygen"] = ratio(issuance["raw_c_generate_key_pair_cpu_ms"], issuance["cpu_ms_per_certificate"])
    goals = {
        "service.ratio_to_hsm_limit": goal(service["ratio_to_hsm_limit"], 0.90),
        "scale.p50_ratio_largest_to_1k": goal(scale["p50_ratio_largest_to_1k"], 1.2, higher=False),
        "scale.largest_citizens": goal(largest, sizes[-1]),
        "scale.wrapped.largest_citizens": goal(wrapped.get("largest_citizens"), 1000000),
        "scale.wrapped.p50_ratio_largest_to_1k": goal(wrapped.get("p50_ratio_largest_to_1k"), 1.2, higher=False),
        "scale.wrapped.startup_ratio_largest_to_1k": goal(wrapped.get("startup_ratio_largest_to_1k"), 1.5, higher=False),
        "flow.ratio_concurrency_8_to_argon2id_limit": goal(flow_summary["ratio_concurrency_8_to_argon2id_limit"], 0.90),
        "issuance.ratio_to_raw_keygen": goal(issuance["ratio_to_raw_keygen"], 0.80),
        "flow.summary.cpu_ratio_argon2id_to_transaction": goal(flow_summary["cpu_ratio_argon2id_to_transaction"], 0.87),
    }
    if csc:
        goals["csc.sign_hash.ratio_to_hsm_limit"] = goal(csc.get("sign_hash", {}).get("ratio_to_hsm_limit"), 0.90)
        goals["csc.authorize_and_sign_1000.ratio_to_hsm_limit"] = goal(
            csc.get("authorize_and_sign", {}).get("ratio_to_hsm_limit"), 0.60)
    for step, r in flow_summary["p95_ratio_concurrency_32_to_1"].items():
        goals[f"flow.p95_ratio_concurrency_32_to_1.{step}"] = goal(r, 10, higher=False)
    disk = open(f"{p}/disk.txt").read().split("\n") if os.path.exists(f"{p}/disk.txt") else []
    out = {
        "date": a.started,
        "commit": commit,
        "build_type": build_type,
        "quick": a.quick == "1",
        "machine": {"cpu_model": cpu, "cores": os.cpu_count(), "kernel": platform.release(),
                    "load_average_start": a.load_start, "load_average_end": a.load_end},
        "hsm_limit": limit,
        "service": service,
        "flow": dict(flow, summary=flow_summary),
        "argon2id": argon,
        "scale": scale,
        "issuance": issuance,
        "csc": csc,
        "firmad_ready_seconds": startup,
        "data_on_disk": [d for d in disk if d],
        "goals": goals,
    }
    with open(a.out, "w") as f:
        json.dump(out, f, indent=2)
        f.write("\n")
    print_table(out)


def fmt(v, unit=""):
    if v is None:
        return "-"
    if isinstance(v, float):
        v = f"{v:,.1f}" if abs(v) >= 10 else f"{v:.3g}"
    else:
        v = f"{v:,}"
    return v + unit


def print_table(o):
    L = []
    m = o["machine"]
    L.append(f"Firma benchmarks {o['date']} ({'quick' if o['quick'] else 'full'}), {o['build_type']} build, "
             f"commit {o['commit']}: {m['cpu_model']}, {m['cores']} cores, load {m['load_average_start']} -> {m['load_average_end']}")
    s = o["hsm_limit"]["c_sign"]
    L.append("\nHSM limit: raw C_Sign per second (SoftHSM2)      1 thread    2 threads")
    for k in ("ec_p256", "rsa_2048", "rsa_3072"):
        L.append(f"  {k:<44}{fmt(s[k]['threads_1']):>10}{fmt(s[k]['threads_2']):>13}")
    sv = o["service"]
    for name, key in (("100 raw digests", "batch_raw"), ("10 CAdES documents", "batch_cades")):
        b = sv[key]
        if b:
            L.append(f"\nService batch, {name} (asked; {b.get('documents')} per transaction), concurrency {b.get('concurrency')}: "
                     f"{fmt(b.get('signatures_per_second'))} signatures/s, {fmt(b.get('transactions_per_second'))} tx/s"
                     + (f"  [{b.get('failed')} failed]" if b.get("failed") else ""))
    L.append(f"  ratio to 2-thread C_Sign (EC P-256): {fmt(sv['ratio_to_hsm_limit'])}; CPU: C_Sign "
             f"{fmt(s['ec_p256'].get('cpu_us_threads_1'))} us vs firmad {fmt(sv['batch_raw'].get('firmad_cpu_ms_per_signature'))} ms "
             f"per raw signature (ratio {fmt(sv['cpu_ratio_c_sign_to_service_signature'])})")
    c = o.get("csc", {})
    for name, title in (("sign_hash", "signHash, 100 hashes a call under SADs of 1,000"),
                        ("authorize_and_sign", "sendOTP + authorize 1,000 hashes + 10 signHash, timed whole")):
        r = c.get(name)
        if not r:
            continue
        L.append(f"\nCSC {title}, {r['threads']} client threads: {fmt(r['signatures_per_second'])} signatures/s "
                 f"({r['signatures']:,} in {r['seconds']} s, {r['signatures_verified']:,} verified) vs 2-thread C_Sign "
                 f"{fmt(r['hsm_limit_ec_p256_threads_2'])}/s: ratio {fmt(r['ratio_to_hsm_limit'])}"
                 + (f"  [{r['failed']} failed: {r.get('first_error')}]" if r.get("failed") else "")
                 + (f"  [{r['signatures_bad']} BAD signatures]" if r.get("signatures_bad") else ""))
        L.append(f"  signHash call p50/p95 {r['sign_hash_call']['p50_ms']}/{r['sign_hash_call']['p95_ms']} ms; firmad CPU "
                 f"{fmt(r.get('firmad_cpu_us_per_signature'))} us per signature vs C_Sign "
                 f"{fmt(s['ec_p256'].get('cpu_us_threads_1'))} us; the client's CPU {r.get('client_cpu_seconds')} s "
                 f"of the {r['seconds']} s")
        if r.get("flow"):
            st = r["steps"]
            L.append(f"  flow p50 {r['flow']['p50_ms']} ms: sendOTP + outbox {st['send_otp_and_outbox']['p50_ms']}, "
                     f"authorize {st['authorize']['p50_ms']}, 10 signHash {st['sign_hash_all']['p50_ms']}")
    L.append("\nFull flow (1 CAdES document)   tx/s   | p50 / p95 / p99 ms: create      summary     authenticate   confirm      fetch")
    for c in (1, 8, 32):
        r = o["flow"][f"concurrency_{c}"]
        if not r:
            continue
        cells = []
        for step in ("create", "summary", "authenticate", "confirm", "fetch"):
            st = r["steps"][step]
            cells.append(f"{st['p50_ms']:.0f}/{st['p95_ms']:.0f}/{st['p99_ms']:.0f}")
        L.append(f"  concurrency {c:<3} {fmt(r['transactions_per_second']):>16}   " + "  ".join(f"{x:>12}" for x in cells)
                 + (f"  [{r['failed']} failed]" if r.get("failed") else ""))
    fs = o["flow"]["summary"]
    L.append(f"  Argon2id check alone (just before c=8): {fs['argon2id_check_ms']} ms ({fs['argon2id_check_cpu_ms']} ms CPU) -> "
             f"{fs['argon2id_limit_tps_2_cores']} tx/s on 2 cores (measured 2 threads: {fs['argon2id_measured_per_second_2_threads']}/s); "
             f"concurrency 8 ratio {fmt(fs['ratio_concurrency_8_to_argon2id_limit'])}")
    L.append(f"  firmad CPU per transaction at c=8: {fs['firmad_cpu_ms_per_transaction_concurrency_8']} ms, of which Argon2id "
             f"{fs['argon2id_cpu_ms_per_transaction_in_firmad']} ms: share {fmt(fs['cpu_ratio_argon2id_to_transaction'])} "
             f"(the ratio 2 dedicated cores would give; from the check measured alone: "
             f"{fmt(fs['cpu_ratio_argon2id_alone_to_transaction'])})")
    L.append("  cheap steps, p95 at concurrency 32 / p95 at 1: " + ", ".join(
        f"{k} {fmt(v)}" for k, v in fs["p95_ratio_concurrency_32_to_1"].items()))
    sc = o["scale"]
    L.append("\nScale (citizens with keys+certs)   confirm p50 / p99 ms   firmad ready s")
    for r in sc["runs"]:
        L.append(f"  {r['citizens']:>10,}  {r['confirm']['p50_ms']:>20.1f} / {r['confirm']['p99_ms']:<8.1f} {fmt(r['firmad_ready_seconds']):>10}"
                 f"   RSS {fmt(r.get('firmad_rss_mib'))} MiB")
    for sd in sc["seeding"]:
        L.append(f"  seeded {sd['from']:,}..{sd['reached']:,} in {sd['seconds']} s: {sd['certificates_per_second']} certificates/s "
                 f"({sd['threads']} thread(s)){'' if sd['complete'] else ' (stopped at the deadline)'}")
    w = sc.get("wrapped") or {}
    if w:
        L.append("\nScale, wrapped custody            confirm p50 / p99 ms   firmad ready s")
        for r in w["runs"]:
            L.append(f"  {r['citizens']:>10,}  {r['confirm']['p50_ms']:>20.1f} / {r['confirm']['p99_ms']:<8.1f} "
                     f"{fmt(r['firmad_ready_seconds']):>10}   RSS {fmt(r['firmad_rss_mib'])} MiB")
        for sd in w["seeding"]:
            L.append(f"  seeded {sd['from']:,}..{sd['reached']:,} in {sd['seconds']} s: {sd['certificates_per_second']} "
                     f"certificates/s ({sd['threads']} thread(s)){'' if sd['complete'] else ' (stopped at the deadline)'}")
        L.append(f"  EC P-256 signatures/s, 1 thread: token key {fmt(w['token_key_sign_per_second'].get('threads_1'))}, "
                 f"unwrap + sign {fmt((w['unwrap_sign_per_second'] or {}).get('threads_1'))}, from the cache "
                 f"{fmt((w['cached_sign_per_second'] or {}).get('threads_1'))}; keygen + wrap "
                 f"{fmt(w['generate_and_wrap_per_second'])}/s")
    i = o["issuance"]
    L.append(f"\nIssuance: {fmt(i['certificates_per_second'])} certificates/s vs raw C_GenerateKeyPair "
             f"{fmt(i['raw_c_generate_key_pair_per_second'])}/s (ratio {fmt(i['ratio_to_raw_keygen'])}); CPU "
             f"{fmt(i['cpu_ms_per_certificate'])} ms vs {fmt(i['raw_c_generate_key_pair_cpu_ms'])} ms "
             f"(ratio {fmt(i['cpu_ratio_to_raw_keygen'])})")
    L.append("\nGoals")
    for k, g in o["goals"].items():
        verdict = {True: "met", False: "NOT met", None: "-"}[g["met"]]
        L.append(f"  {k:<46} {fmt(g['value']):>10}  {g['goal']:<10} {verdict}")
    print("\n".join(L))


if __name__ == "__main__":
    main()
