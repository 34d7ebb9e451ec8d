// Browser suite harness: runs firmad and a stand-in e-government service, seeds through the REST API, drives chromium.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { createRequire } from 'node:module';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

// The npm packages live where run.sh installed them (the build tree), or next to this file when run by hand.
const npmDir = process.env.FIRMA_E2E_NPM_DIR ?? here;
const requireFromNpm = createRequire(join(npmDir, 'package.json'));
const { chromium } = requireFromNpm('playwright-core');
export const axeSource = readFileSync(requireFromNpm.resolve('axe-core/axe.min.js'), 'utf8');

export const firmadPath = process.env.FIRMA_E2E_FIRMAD ?? join(here, '../../build/test/bin/firmad');
export const chromiumPath = process.env.FIRMA_E2E_CHROMIUM ?? '/usr/bin/chromium';
export const artifactsDir = process.env.FIRMA_E2E_ARTIFACTS ?? join(here, '../../build/e2e-artifacts');
mkdirSync(artifactsDir, { recursive: true });

// A port nobody listens on now: firmad must know its public URL (confirm_url) before it starts.
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// A valid Spanish NIF (DNI number + the check letter of the remainder modulo 23).
export function nif(number) {
  const digits = String(number).padStart(8, '0');
  return digits + 'TRWAGMYFPDXBNJZSQVHLCKE'[Number(digits) % 23];
}

// Every firmad this process started; killed if the suite dies before stopping them.
const running = new Set();
process.on('exit', () => {
  for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
});

// firmad on a fresh data directory: the embedded default (SoftHSM2, SQLite, the SMS outbox).
export class Firmad {
  static async start({ name = 'firmad', settings = {} } = {}) {
    const dataDir = mkdtempSync(join(tmpdir(), 'firma-e2e-'));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const all = {
      'server.public_url': url,
      // Cheap password hashing keeps the suite fast; the rules under test do not depend on the cost.
      'password.argon2_memory_kib': '1024',
      'password.argon2_iterations': '1',
      // One browser from one address runs every flow: the throttle is not under test here.
      'rate_limit.per_nif.burst': '1000',
      'rate_limit.per_address.burst': '1000',
      ...settings,
    };
    const args = ['--data-dir', dataDir, '--listen', `127.0.0.1:${port}`];
    for (const [k, v] of Object.entries(all)) args.push('--set', `${k}=${v}`);
    const log = createWriteStream(join(artifactsDir, `${name}.log`));
    const child = spawn(firmadPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    running.add(child);
    child.on('exit', () => running.delete(child));
    const self = new Firmad(child, dataDir, url, port);
    const onData = (chunk) => {
      self.output += chunk.toString();
      log.write(chunk);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    self.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    const deadline = Date.now() + 180_000;
    while (!self.output.includes('listening on')) {
      if (child.exitCode !== null) throw new Error(`firmad exited early (${child.exitCode}):\n${self.output}`);
      if (Date.now() > deadline) throw new Error(`firmad did not start within 180 s:\n${self.output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    self.operatorToken = readFileSync(join(dataDir, 'secrets', 'operator-token'), 'utf8').trim();
    return self;
  }

  constructor(child, dataDir, url, port) {
    this.child = child;
    this.dataDir = dataDir;
    this.url = url;
    this.port = port;
    this.output = '';
  }

  // SIGTERM, then the exit status: under AddressSanitizer a leak or an error makes it non-zero.
  async stop() {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    const result = await this.exited;
    rmSync(this.dataDir, { recursive: true, force: true });
    return result;
  }

  async call(method, path, { token, body, headers = {} } = {}) {
    const init = { method, headers: { ...headers }, redirect: 'manual' };
    if (token) init.headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const response = await fetch(this.url + path, init);
    const text = await response.text();
    let json;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, text, json };
  }

  async expect(status, method, path, options) {
    const r = await this.call(method, path, options);
    if (r.status !== status) throw new Error(`${method} ${path}: expected ${status}, got ${r.status}: ${r.text}`);
    return r.json;
  }

  // An e-government application whose return URLs start with returnPrefix; resolves its API key.
  async createApplication(name, returnPrefix) {
    const created = await this.expect(201, 'POST', '/v1/admin/apps', {
      token: this.operatorToken,
      body: { name, return_url_prefixes: [returnPrefix], allowed_formats: ['raw', 'cades', 'pades', 'xades'] },
    });
    return created.api_key;
  }

  // Registers a citizen at the level that may sign; resolves the activation code (shown once).
  async registerCitizen(citizen) {
    const created = await this.expect(201, 'POST', '/v1/admin/citizens', {
      token: this.operatorToken,
      body: {
        nif: citizen.nif,
        given_name: citizen.givenName ?? 'María',
        surname1: citizen.surname1 ?? 'Núñez',
        surname2: 'García',
        email: citizen.email,
        mobile: citizen.mobile,
        registration_level: 'advanced',
      },
    });
    return created.activation_code;
  }

  async outbox(mobile) {
    // The outbox is read with a role of its own (sms_outbox_reader): the administrator's token is refused.
    if (!this.outboxToken) {
      const reader = await this.expect(201, 'POST', '/v1/admin/operators', {
        token: this.operatorToken,
        body: { name: 'outbox reader', roles: ['sms_outbox_reader'] },
      });
      this.outboxToken = reader.token;
    }
    const r = await this.expect(200, 'GET', `/v1/admin/sms/outbox?to=${encodeURIComponent(mobile)}`, {
      token: this.outboxToken,
    });
    return r.messages;
  }

  // The code of the first SMS to mobile after the first `seen` ones (waits a little for it to arrive).
  async otpAfter(mobile, seen) {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const messages = await this.outbox(mobile);
      if (messages.length > seen) {
        const code = messages[messages.length - 1].text.match(/\b\d{6,8}\b/);
        if (!code) throw new Error(`no code in SMS: ${messages[messages.length - 1].text}`);
        return { code: code[0], text: messages[messages.length - 1].text };
      }
      if (Date.now() > deadline) throw new Error(`no new SMS to ${mobile}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  // Registration and activation through the JSON API: the citizen of the walk-through in README.md.
  async activeCitizen(citizen) {
    const code = await this.registerCitizen(citizen);
    const seen = (await this.outbox(citizen.mobile)).length;
    const started = await this.expect(202, 'POST', '/v1/citizens/activation', {
      body: { nif: citizen.nif, email: citizen.email, activation_code: code },
    });
    const { code: otp } = await this.otpAfter(citizen.mobile, seen);
    await this.expect(200, 'POST', '/v1/citizens/activation/complete', {
      body: { challenge_id: started.challenge_id, otp, password: citizen.password },
    });
  }

  async createTransaction(apiKey, { nif: citizenNif, returnUrl, documents }) {
    return this.expect(201, 'POST', '/v1/transactions', {
      token: apiKey,
      body: { nif: citizenNif, return_url: returnUrl, documents },
    });
  }
}

// The e-government service the citizen comes back to: serves the return page so the browser lands somewhere real.
export class ReturnService {
  static async start() {
    const self = new ReturnService();
    self.server = http.createServer((request, response) => {
      const url = new URL(request.url, 'http://localhost');
      self.visits.push(url);
      if (url.pathname === '/faulty') {
        // Known accessibility faults, to prove the audit sees them: an image without text, an unlabelled input.
        response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        response.end('<!doctype html><html lang="es"><head><meta charset="utf-8"><title>Fallos</title></head><body>' +
          '<main><h1>Fallos</h1><img src="/nada.png"><form><input type="text" name="x"></form></main></body></html>');
        return;
      }
      const status = url.searchParams.get('status') ?? '';
      const transaction = url.searchParams.get('transaction') ?? '';
      const escape = (s) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
      response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      response.end(`<!doctype html><html lang="es"><head><meta charset="utf-8"><title>Sede de ejemplo</title></head>
<body><main><h1>Sede electrónica de ejemplo</h1>
<p>Transacción <code id="transaction">${escape(transaction)}</code>: <strong id="status">${escape(status)}</strong></p>
</main></body></html>`);
    });
    await new Promise((resolve) => self.server.listen(0, '127.0.0.1', resolve));
    self.url = `http://127.0.0.1:${self.server.address().port}`;
    return self;
  }

  constructor() {
    this.visits = [];
  }

  stop() {
    return new Promise((resolve) => this.server.close(resolve));
  }
}

// Debian's chromium, headless, kept off the network except for what the tests open.
export async function launchBrowser() {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    // Playwright gives every launch a fresh temporary profile (its own --user-data-dir).
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

// A browser context that records every Content-Security-Policy report the page's console shows.
export async function newContext(browser, options = {}) {
  const context = await browser.newContext({ locale: 'es-ES', viewport: { width: 1280, height: 900 }, ...options });
  context.cspViolations = [];
  context.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) context.cspViolations.push(message.text());
  });
  return context;
}

let shotNumber = 0;
// A full-page screenshot into the artifacts folder, numbered in the order the suite takes them.
export async function screenshot(page, name) {
  shotNumber += 1;
  const file = join(artifactsDir, `${String(shotNumber).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

// axe-core in the page (evaluated through the DevTools protocol, which the page's CSP does not govern): the
// serious and critical findings, each as "rule: target".
export async function audit(page, name) {
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) await page.evaluate(axeSource);
  const result = await page.evaluate(() => axe.run(document, { resultTypes: ['violations'] }));
  writeFileSync(join(artifactsDir, `axe-${name}.json`), JSON.stringify(result.violations, null, 2));
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(' ')} - ${v.help}`));
}

// Verifies a detached CAdES signature with openssl against Firma's published CA chain.
export function verifyCades({ content, signature, caPem }) {
  const dir = mkdtempSync(join(tmpdir(), 'firma-e2e-cms-'));
  try {
    writeFileSync(join(dir, 'doc'), content);
    writeFileSync(join(dir, 'doc.p7s'), signature);
    writeFileSync(join(dir, 'ca.pem'), caPem);
    // openssl reports "CAdES Verification successful" on stderr and fails with a non-zero status.
    const run = spawnSync(
      'openssl',
      ['cms', '-verify', '-binary', '-inform', 'DER', '-in', 'doc.p7s', '-content', 'doc', '-CAfile', 'ca.pem',
        '-purpose', 'any', '-cades', '-out', '/dev/null'],
      { cwd: dir, encoding: 'utf8' },
    );
    if (run.status !== 0) throw new Error(`openssl cms -verify failed (${run.status}): ${run.stdout}${run.stderr}`);
    return run.stdout + run.stderr;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Verifies a raw signature of a digest with openssl: the signature against the certificate's key (pkeyutl),
// the certificate against Firma's published CA chain (verify).
export function verifyRaw({ digest, signature, certificatePem, caPem }) {
  const dir = mkdtempSync(join(tmpdir(), 'firma-e2e-raw-'));
  try {
    writeFileSync(join(dir, 'digest'), digest);
    writeFileSync(join(dir, 'sig'), signature);
    writeFileSync(join(dir, 'cert.pem'), certificatePem);
    writeFileSync(join(dir, 'ca.pem'), caPem);
    let output = '';
    for (const args of [
      ['pkeyutl', '-verify', '-certin', '-inkey', 'cert.pem', '-in', 'digest', '-sigfile', 'sig'],
      ['verify', '-CAfile', 'ca.pem', '-purpose', 'any', 'cert.pem'],
    ]) {
      const run = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
      if (run.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${run.stdout}${run.stderr}`);
      output += run.stdout + run.stderr;
    }
    return output;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
