#!/usr/bin/env python3
"""The architecture test: the dependency rules of ARCHITECTURE.md, read from the sources.

    check.py [ROOT]          exit 0 when the tree at ROOT (default: the repository) keeps every rule;
                             otherwise one line per broken rule (file:line: what, which rule) and exit 1.

What it checks, each a rule of ARCHITECTURE.md ("Modules and the direction of dependencies", invariant 1):
- every project include goes down an allowed arrow (app -> api fronts -> api/http -> signer ->
  {certs, identity} -> {policies, hsm, store} -> core), never up or sideways; one front never includes another;
- only hsm includes a PKCS#11 header; only store includes sqlite3/libpq or holds SQL text;
- nothing below api includes Pistache, nlohmann-json or an HTTP client/server header of its own
  (identity's SMS gateways and certs' outside-TSA client may use cpp-httplib as a client);
- policies does no I/O (no stream, file or socket headers);
- the signing calls stay where invariant 1 puts them: only signer/src/citizen_key_signer.cpp signs with a
  citizen key (Token::sign_digest), only certs signs with the service keys (Token::sign_service_digest, the
  Botan adapter), and only hsm/src calls C_Sign*.
"""
import os
import re
import sys

SOURCE_SUFFIXES = (".h", ".hpp", ".cpp", ".cc")
# The modules, lowest first. A module may include itself and the modules its entry lists.
ALLOWED = {
    "core": set(),
    "policies": {"core"},
    "hsm": {"core"},
    "store": {"core"},
    "identity": {"policies", "hsm", "store", "core"},
    "certs": {"policies", "hsm", "store", "core"},
    "signer": {"certs", "identity", "policies", "hsm", "store", "core"},
}
BELOW_API = set(ALLOWED)
ALLOWED["api/http"] = BELOW_API
FRONTS = ("api/rest", "api/csc", "api/fire", "api/web")
for front in FRONTS:
    ALLOWED[front] = BELOW_API | {"api/http"}
# OAuth 2.0's wire form, shared by the two fronts that serve it (the page, and the CSC front's token endpoint):
# not a front itself.
ALLOWED["api/oauth2"] = BELOW_API | {"api/http"}
ALLOWED["api/web"].add("api/oauth2")
ALLOWED["api/csc"].add("api/oauth2")
# Until api/ is split into its sub-targets the whole folder is one front over the core.
ALLOWED["api"] = BELOW_API
ALLOWED["app"] = BELOW_API | {"api", "api/http", "api/oauth2", *FRONTS}
MODULES = sorted(ALLOWED, key=len, reverse=True)  # "api/http" before "api"

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
PKCS11 = re.compile(r"(^|/)(pkcs11[^/]*\.h|p11-kit/)")
DATABASE = re.compile(r"^(sqlite3\.h|libpq-fe\.h|postgresql/)")
HTTP_OR_JSON = re.compile(r"^(pistache/|nlohmann/|httplib\.h)")
IO = re.compile(r"^(fstream|iostream|filesystem|sys/|unistd\.h|netinet/|arpa/)")
SQL = re.compile(r'"[^"\n]*\b(SELECT\s+\S.*\bFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(TABLE|INDEX))\b')
# (pattern, the files allowed to contain it, rule)
SIGNING_CALLS = [
    (re.compile(r"\bsign_digest\s*\("), ("hsm/", "signer/src/citizen_key_signer.cpp"),
     "only CitizenKeySigner signs with a citizen key (invariant 1)"),
    (re.compile(r"\b(sign_service_digest|botan_private_key)\s*\("), ("hsm/", "certs/"),
     "only certs signs with the service keys (CA, CRL, OCSP, TSA)"),
    (re.compile(r"\bC_Sign(Init|Update|Final)?\s*\("), ("hsm/src/",),
     "only hsm calls PKCS#11 signing functions"),
]
# Outside the modules: tests and benchmarks may reach anything, and they are not product code.
SKIPPED_TOP = {"tests", "bench", "build", "docs", "deploy", "scripts", ".git", "node_modules"}


def module_of(relative):
    """The module a source file belongs to: its folder under the root, api's sub-folders apart."""
    for module in MODULES:
        if relative == module or relative.startswith(module + "/"):
            return module
    return None


def included_module(name, including_dir, root):
    """The module a quoted include names, or None for a private header next to its includer."""
    if os.path.exists(os.path.join(including_dir, name)):
        return None
    first = name.split("/")[0]
    for module in MODULES:
        if name.startswith(module + "/") and os.path.isdir(os.path.join(root, module, "include", module)):
            return module
    if first in ALLOWED and os.path.isdir(os.path.join(root, first)):
        return first
    return None


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def check(root):
    problems = []
    for directory, subdirs, files in os.walk(root):
        relative_dir = os.path.relpath(directory, root)
        if relative_dir == ".":
            subdirs[:] = [d for d in subdirs if d not in SKIPPED_TOP]
            continue
        for name in sorted(files):
            if not name.endswith(SOURCE_SUFFIXES):
                continue
            path = os.path.join(directory, name)
            relative = os.path.relpath(path, root)
            module = module_of(relative)
            if module is None:
                continue
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
            problems += check_file(root, relative, module, directory, text)
    return problems


def check_file(root, relative, module, directory, text):
    problems = []

    def report(line, what):
        problems.append(f"{relative}:{line}: {what}")

    below_api = module in BELOW_API
    code = strip_comments(text)
    for number, line in enumerate(code.split("\n"), start=1):
        m = INCLUDE.match(line)
        if m:
            kind, name = m.groups()
            if kind == '"':
                target = included_module(name, directory, root)
                if target and target != module and target not in ALLOWED[module]:
                    report(number, f'{module} includes "{name}" ({target}): not an arrow ARCHITECTURE.md allows')
            if PKCS11.search(name) and module != "hsm":
                report(number, f"{module} includes {name}: no module but hsm includes a PKCS#11 header")
            if DATABASE.search(name) and module != "store":
                report(number, f"{module} includes {name}: no module but store includes sqlite3 or libpq")
            if below_api and HTTP_OR_JSON.search(name) and not (module in ("identity", "certs") and name == "httplib.h"):
                report(number, f"{module} includes {name}: nothing below api knows HTTP servers or JSON DTOs")
            if module == "policies" and IO.search(name):
                report(number, f"policies includes {name}: policies does no I/O")
            continue
        if module != "store" and SQL.search(line):
            report(number, f"{module} holds SQL text: no module but store contains SQL")
        for pattern, allowed_places, rule in SIGNING_CALLS:
            if pattern.search(line) and not relative.startswith(allowed_places):
                report(number, f"signing call outside its place: {rule}")
    return problems


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", ".."))
    problems = check(root)
    for problem in problems:
        print(problem)
    if problems:
        print(f"architecture: {len(problems)} rule(s) broken (ARCHITECTURE.md)")
        return 1
    print("architecture: every include and signing call keeps the rules of ARCHITECTURE.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
