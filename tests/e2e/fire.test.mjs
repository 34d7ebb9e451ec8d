// Browser suite of the FIRe-compatible front (issue 14): an application speaks FIRe (op 1, then op 2 and 11), the
// citizen confirms in chromium from the FIRe redirecturl, and the browser lands on redirectOkUrl exactly as given.
// firmad serves plain HTTP behind a stand-in proxy: the client certificate travels in x-clientcert from 127.0.0.1,
// the trusted proxy address.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Firmad, ReturnService, launchBrowser, newContext, nif, screenshot, verifyCades } from './harness.mjs';

const PASSWORD = 'Firma-Segura-2026';
let firmad;
let service;
let browser;
let appId;
let certificatePem;
let certificateDir;

// Base64 as FIRe's Java client writes it (URL-safe alphabet, padded), and a Properties text as it stores one.
const fireBase64 = (bytes) => Buffer.from(bytes).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
const properties = (entries) =>
  '#Mon Dec 07 21:00:00 CET 2026\n' +
  Object.entries(entries).map(([k, v]) => `${k}=${v.replace(/([:=])/g, '\\$1')}`).join('\n') + '\n';

// One FIRe call, form-encoded without percent-encoding the values, as FIRe's clients send it.
async function fire(parameters, { certificate = certificatePem } = {}) {
  const body = Object.entries({ appid: appId, language: '$$LANGUAGE$$', ...parameters })
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const headers = { 'Content-Type': 'application/x-www-form-urlencoded' };
  // nginx's $ssl_client_escaped_cert.
  if (certificate) headers['X-ClientCert'] = encodeURIComponent(certificate);
  const response = await fetch(`${firmad.url}/fire-signature/fireService`, { method: 'POST', headers, body });
  return { status: response.status, type: response.headers.get('content-type'), bytes: Buffer.from(await response.arrayBuffer()) };
}

before(async () => {
  certificateDir = mkdtempSync(join(tmpdir(), 'firma-fire-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
    '-subj', '/CN=sede', '-keyout', join(certificateDir, 'key.pem'), '-out', join(certificateDir, 'cert.pem')],
  { stdio: 'ignore' });
  certificatePem = readFileSync(join(certificateDir, 'cert.pem'), 'utf8');
  firmad = await Firmad.start({ name: 'firmad-fire', settings: { 'server.trusted_proxies': '127.0.0.1' } });
  service = await ReturnService.start();
  const app = await firmad.expect(201, 'POST', '/v1/admin/apps', {
    token: firmad.operatorToken,
    body: {
      name: 'Sede Electrónica de Ejemplo',
      return_url_prefixes: [`${service.url}/fire`],
      allowed_formats: ['cades', 'pades', 'xades'],
      client_certificates: [certificatePem],
    },
  });
  appId = app.app_id;
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (service) await service.stop();
  if (certificateDir) rmSync(certificateDir, { recursive: true, force: true });
  if (firmad) {
    const { code, signal } = await firmad.stop();
    assert.equal(code, 0, `firmad exited with ${code ?? signal} (sanitizer report in firmad-fire.log?)`);
  }
});

describe('FIRe: from redirecturl to redirectOkUrl', () => {
  test('the citizen confirms a FIRe signature in the browser', async () => {
    const citizen = { nif: nif(47_220_001), email: 'fire@example.es', mobile: '+34600113301', password: PASSWORD };
    await firmad.activeCitizen(citizen);
    const ok = `${service.url}/fire/ok?expediente=42&paso=firma`;
    const content = 'Resolución 2026/42\n';
    const started = await fire({
      op: '1', subjectid: citizen.nif, cop: 'sign', algorithm: 'SHA256withECDSA', format: 'CAdES',
      properties: fireBase64('mode=explicit\n'), dat: fireBase64(content),
      config: fireBase64(properties({ redirectOkUrl: ok, redirectErrorUrl: `${service.url}/fire/error`,
        appName: 'Ayudas al alquiler 2026' })),
    });
    assert.equal(started.status, 200, started.bytes.toString());
    const { transactionid, redirecturl } = JSON.parse(started.bytes.toString());
    assert.equal(redirecturl, `${firmad.url}/sign/${transactionid}`);

    // Without the certificate (or from an address not listed as a proxy) the application is not known.
    const anonymous = await fire({ op: '2', subjectid: citizen.nif, transactionid }, { certificate: null });
    assert.equal(anonymous.status, 400);
    assert.equal(anonymous.type, 'application/json');
    assert.equal(JSON.parse(anonymous.bytes.toString()).c, 6);

    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(redirecturl);
    assert.equal(await page.locator('#app-name').innerText(), 'Sede Electrónica de Ejemplo');
    assert.equal(await page.locator('#app-description').innerText(), 'Ayudas al alquiler 2026');
    await screenshot(page, 'fire-sign-page');
    const seen = (await firmad.outbox(citizen.mobile)).length;
    await page.fill('input[name=nif]', citizen.nif);
    await page.fill('input[name=password]', PASSWORD);
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('#login-submit')]);
    const { code, text } = await firmad.otpAfter(citizen.mobile, seen);
    assert.match(text, /Sede Electrónica de Ejemplo/, 'the SMS names the application by its registered name');
    await page.fill('input[name=otp]', code);
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('#otp-submit')]);
    assert.equal(page.url(), ok, 'redirectOkUrl exactly as given, nothing appended');
    await context.close();

    const recovered = await fire({ op: '2', subjectid: citizen.nif, transactionid });
    assert.equal(recovered.status, 200);
    assert.ok(recovered.bytes.toString().startsWith('{"result":'), recovered.bytes.toString());
    const signature = await fire({ op: '11', subjectid: citizen.nif, transactionid });
    assert.equal(signature.status, 200);
    const ca = await firmad.call('GET', '/pki/ca.pem');
    assert.ok(verifyCades({ content: Buffer.from(content), signature: signature.bytes, caPem: ca.text }));
  });
});
