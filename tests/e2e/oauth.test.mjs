// Browser suite for OAuth2 (issue 13): an application sends the citizen to /oauth2/authorize; the citizen reads
// what is asked, identifies themselves, confirms with the SMS code and lands back on the application with the code,
// which the application exchanges for the SAD. Both request forms (CSC's parameters, RAR's authorization_details),
// a wrong password, a refusal, and the axe audit of every page state.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';

import { Firmad, ReturnService, audit, launchBrowser, newContext, nif, screenshot, verifyRaw } from './harness.mjs';

const PASSWORD = 'Firma-Segura-2026';
const SHA256_OID = '2.16.840.1.101.3.4.2.1';

let firmad;
let service;
let browser;
let app;
let redirectUri;
const findings = [];
const contexts = [];

const b64url = (bytes) => Buffer.from(bytes).toString('base64url');

// PKCE (RFC 7636): a fresh verifier and its S256 challenge.
function pkce() {
  const verifier = b64url(randomBytes(32));
  return { verifier, challenge: b64url(createHash('sha256').update(verifier).digest()) };
}

async function look(page, name) {
  await screenshot(page, name);
  for (const finding of await audit(page, name)) findings.push(`${name}: ${finding}`);
}

async function submit(page, button) {
  const [response] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(button)]);
  return response;
}

// The application's side of /oauth2/token (client_secret_basic).
async function exchange(code, verifier) {
  const response = await fetch(`${firmad.url}/oauth2/token`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      Authorization: `Basic ${Buffer.from(`${app.app_id}:${app.api_key}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier }),
  });
  return { status: response.status, json: await response.json() };
}

async function citizenWithCertificate(number, label) {
  const who = {
    nif: nif(number),
    email: `${label}@example.es`,
    mobile: `+346009${String(number).slice(-5)}`,
    password: PASSWORD,
  };
  await firmad.activeCitizen(who);
  const issued = await firmad.expect(201, 'POST', `/v1/admin/citizens/${who.nif}/certificate`, {
    token: firmad.operatorToken,
    body: {},
  });
  return { ...who, serial: issued.serial, certificatePem: issued.certificate };
}

before(async () => {
  firmad = await Firmad.start({ name: 'firmad-oauth' });
  service = await ReturnService.start();
  redirectUri = `${service.url}/oauth/callback`;
  app = await firmad.expect(201, 'POST', '/v1/admin/apps', {
    token: firmad.operatorToken,
    body: {
      name: 'Sede de Firma Remota',
      return_url_prefixes: [`${service.url}/`],
      allowed_formats: ['raw'],
      redirect_uris: [redirectUri],
    },
  });
  browser = await launchBrowser();
});

after(async () => {
  for (const ctx of contexts) await ctx.close().catch(() => {});
  if (browser) await browser.close();
  if (service) await service.stop();
  if (firmad) {
    const { code, signal } = await firmad.stop();
    assert.equal(code, 0, `firmad exited with ${code ?? signal} (sanitizer report in firmad-oauth.log?)`);
  }
});

describe('OAuth2 consent page /oauth2/authorize', () => {
  test('credential parameters: the page lists the hashes, password then SMS code, back with the code, the SAD', async () => {
    const ana = await citizenWithCertificate(51_230_001, 'ana');
    const hashes = [createHash('sha256').update('contrato.pdf').digest(), createHash('sha256').update('anexo.pdf').digest()];
    const { verifier, challenge } = pkce();
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: app.app_id,
      redirect_uri: redirectUri,
      scope: 'credential',
      state: 'expediente-7',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      credentialID: ana.serial,
      numSignatures: '2',
      hashes: hashes.map(b64url).join(','),
      hashAlgorithmOID: SHA256_OID,
      description: 'Contrato de alquiler',
    });
    const ctx = await newContext(browser);
    contexts.push(ctx);
    const page = await ctx.newPage();
    const first = await page.goto(`${firmad.url}/oauth2/authorize?${query}`);
    assert.equal(first.status(), 200);
    assert.match(new URL(page.url()).pathname, /^\/oauth2\/authorize\/[0-9a-f]{32}$/);
    assert.equal(await page.locator('h1').count(), 1);
    assert.match(await page.locator('#app-name').innerText(), /Sede de Firma Remota/);
    assert.match(await page.locator('#asks').innerText(), /2 firmas/);
    assert.match(await page.locator('#description').innerText(), /Contrato de alquiler/);
    assert.equal(await page.locator('#credential').innerText(), ana.serial);
    const items = page.locator('#documents li');
    assert.equal(await items.count(), 2);
    for (let i = 0; i < 2; i += 1) {
      const shown = (await items.nth(i).innerText()).replace(/[^0-9A-F]/g, '');
      assert.ok(shown.includes(hashes[i].toString('hex').toUpperCase().slice(0, 16)), `fingerprint of hash ${i}: ${shown}`);
    }
    await look(page, 'oauth-credential-requested');

    await page.fill('input[name=nif]', ana.nif);
    await page.fill('input[name=password]', 'No-Es-Esta-99');
    const refused = await submit(page, '#login-submit');
    assert.equal(refused.status(), 401);
    await page.locator('#error').waitFor();
    await look(page, 'oauth-wrong-password');

    const seen = (await firmad.outbox(ana.mobile)).length;
    await page.fill('input[name=nif]', ana.nif);
    await page.fill('input[name=password]', PASSWORD);
    await submit(page, '#login-submit');
    await page.locator('form#otp-form').waitFor();
    await look(page, 'oauth-otp');
    const { code: otp, text: sms } = await firmad.otpAfter(ana.mobile, seen);
    assert.match(sms, /2 firmas a Sede de Firma Remota/, `the SMS names the application and the count: ${sms}`);
    await page.fill('input[name=otp]', otp);
    const landed = await submit(page, '#otp-submit');
    assert.equal(landed.status(), 200);
    const back = new URL(page.url());
    assert.equal(back.origin + back.pathname, redirectUri);
    assert.equal(back.searchParams.get('state'), 'expediente-7');
    const code = back.searchParams.get('code');
    assert.ok(code && code.length >= 32, `a code in ${page.url()}`);
    assert.deepEqual(ctx.cspViolations, []);

    const token = await exchange(code, verifier);
    assert.equal(token.status, 200, JSON.stringify(token.json));
    assert.equal(token.json.token_type, 'Bearer');
    assert.equal(token.json.credentialID, ana.serial);
    assert.ok(token.json.expires_in > 0);
    assert.deepEqual(token.json.authorization_details[0].documentDigests.map((d) => d.hash),
      hashes.map((h) => h.toString('base64')));
    // The SAD is the Bearer of signHash; the signature verifies against the certificate.
    const signHash = (hash) => fetch(`${firmad.url}/csc/v2/signatures/signHash`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token.json.access_token}` },
      body: JSON.stringify({ credentialID: ana.serial, hashes: [hash.toString('base64')],
        hashAlgorithmOID: SHA256_OID, signAlgo: '1.2.840.10045.4.3.2' }),
    });
    const signed = await signHash(hashes[0]);
    const body = await signed.json();
    assert.equal(signed.status, 200, JSON.stringify(body));
    const caPem = (await firmad.call('GET', '/pki/ca.pem')).text;
    verifyRaw({ digest: hashes[0], signature: Buffer.from(body.signatures[0], 'base64'),
      certificatePem: ana.certificatePem, caPem });

    // The code again (RFC 6749 4.1.2): refused, and what it gave ends: the SAD signs no other authorised hash.
    const again = await exchange(code, verifier);
    assert.equal(again.status, 400);
    assert.equal(again.json.error, 'invalid_grant');
    assert.equal((await signHash(hashes[1])).status, 401);
    assert.deepEqual(findings.filter((f) => f.startsWith('oauth-')), []);
  });

  test('authorization_details with labels; the citizen declines and the application hears access_denied', async () => {
    const luis = await citizenWithCertificate(51_230_002, 'luis');
    const { challenge } = pkce();
    const digest = createHash('sha256').update('solicitud.xml').digest();
    const details = [{
      type: 'https://cloudsignatureconsortium.org/2025/credential',
      credentialID: luis.serial,
      hashAlgorithmOID: SHA256_OID,
      documentDigests: [{ hash: digest.toString('base64'), label: 'Solicitud de beca 2026' }],
    }];
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: app.app_id,
      redirect_uri: redirectUri,
      state: 'rar-1',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      authorization_details: JSON.stringify(details),
    });
    const ctx = await newContext(browser, { locale: 'en-GB' });
    contexts.push(ctx);
    const page = await ctx.newPage();
    assert.equal((await page.goto(`${firmad.url}/oauth2/authorize?${query}`)).status(), 200);
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.match(await page.locator('#documents li').first().innerText(), /Solicitud de beca 2026/);
    assert.match(await page.locator('#asks').innerText(), /1 signature/);
    await look(page, 'oauth-rar-requested-en');
    await submit(page, '#reject-submit');
    const back = new URL(page.url());
    assert.equal(back.origin + back.pathname, redirectUri);
    assert.equal(back.searchParams.get('error'), 'access_denied');
    assert.equal(back.searchParams.get('state'), 'rar-1');
    assert.equal(back.searchParams.get('code'), null);
    assert.deepEqual(ctx.cspViolations, []);
    assert.deepEqual(findings.filter((f) => f.startsWith('oauth-rar')), []);
  });

  test('a redirect URI that is not registered is shown to the citizen, never followed', async () => {
    const { challenge } = pkce();
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: app.app_id,
      redirect_uri: `${service.url}/elsewhere`,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const ctx = await newContext(browser);
    contexts.push(ctx);
    const page = await ctx.newPage();
    const response = await page.goto(`${firmad.url}/oauth2/authorize?${query}`);
    assert.equal(response.status(), 400);
    assert.equal(new URL(page.url()).origin, firmad.url);
    await page.locator('#error').waitFor();
    await look(page, 'oauth-bad-redirect');
    assert.equal(service.visits.filter((v) => v.pathname === '/elsewhere').length, 0);
    assert.deepEqual(findings.filter((f) => f.startsWith('oauth-bad')), []);
  });
});
