// Browser suite (issue 6): a citizen confirms, rejects, gets locked out, activates and manages the account in chromium.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Firmad, ReturnService, audit, launchBrowser, newContext, nif, screenshot, verifyCades, verifyRaw } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const PASSWORD = 'Firma-Segura-2026';
const NEW_PASSWORD = 'Otra-Clave-2027';
const WRONG_PASSWORD = 'No-Es-Esta-99';

let firmad;
let service;
let browser;
let apiKey;
const auditFindings = [];
const openedContexts = [];
const visitedUrls = [];
const secretsSeen = new Set([PASSWORD, NEW_PASSWORD, WRONG_PASSWORD]);

// Citizens, one per flow, so each flow starts from a known account state.
let citizenNumber = 0;
function citizen(label) {
  citizenNumber += 1;
  const n = 47_110_000 + citizenNumber;
  return {
    label,
    nif: nif(n),
    email: `${label}@example.es`,
    mobile: `+3460011${String(2200 + citizenNumber).padStart(4, '0')}`,
    password: PASSWORD,
  };
}

async function context(options) {
  const ctx = await newContext(browser, options);
  ctx.on('request', (request) => visitedUrls.push(request.url()));
  openedContexts.push(ctx);
  return ctx;
}

// Submits a form by its button and waits for the page it leads to; the main document's response (after redirects).
async function submit(page, button) {
  const [response] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(button)]);
  return response;
}

// Screenshot and axe audit of one page state; findings are gathered and asserted per test.
async function look(page, name) {
  const file = await screenshot(page, name);
  for (const finding of await audit(page, name)) auditFindings.push(`${name}: ${finding}`);
  return file;
}

function assertNoAuditFindings(prefix) {
  const mine = auditFindings.filter((f) => f.startsWith(prefix));
  assert.deepEqual(mine, [], `axe-core serious/critical findings:\n${mine.join('\n')}`);
}

async function newTransaction(who, documents) {
  const content = Buffer.from(`Resolución 2026/${citizenNumber} de ${who.label}\n`, 'utf8');
  const created = await firmad.createTransaction(apiKey, {
    nif: who.nif,
    returnUrl: `${service.url}/vuelta?expediente=42`,
    documents: documents ?? [{ name: 'resolucion.txt', format: 'cades', content: content.toString('base64') }],
  });
  return { ...created, content };
}

async function errorAlert(page) {
  const error = page.locator('#error');
  await error.waitFor({ state: 'visible' });
  assert.equal(await error.getAttribute('role'), 'alert');
  const text = (await error.innerText()).trim();
  assert.ok(text.length > 0, '#error is empty');
  return text;
}

before(async () => {
  firmad = await Firmad.start({ name: 'firmad' });
  service = await ReturnService.start();
  apiKey = await firmad.createApplication('Sede Electrónica de Ejemplo', `${service.url}/vuelta`);
  browser = await launchBrowser();
});

after(async () => {
  for (const ctx of openedContexts) await ctx.close().catch(() => {});
  if (browser) await browser.close();
  if (service) await service.stop();
  if (firmad) {
    const { code, signal } = await firmad.stop();
    assert.equal(code, 0, `firmad exited with ${code ?? signal} (sanitizer report in firmad.log?)`);
  }
});

describe('confirmation page /sign/{id}', () => {
  const maria = citizen('maria');

  test('a whole confirmation: wrong password, right password, wrong then right OTP, signed, results verify', async () => {
    await firmad.activeCitizen(maria);
    const content = Buffer.from('Resolución 2026/42: se concede la ayuda solicitada.\n', 'utf8');
    const digest = createHash('sha256').update('Anexo I: memoria económica').digest();
    const tx = await newTransaction(maria, [
      { name: 'resolucion.txt', format: 'cades', content: content.toString('base64') },
      { name: 'anexo-I.pdf (huella)', format: 'raw', digest: { algorithm: 'sha256', value: digest.toString('base64') } },
    ]);
    tx.content = content;
    assert.equal(tx.confirm_url, `${firmad.url}/sign/${tx.id}`);
    const ctx = await context();
    const page = await ctx.newPage();

    const first = await page.goto(tx.confirm_url);
    assert.equal(first.status(), 200);
    assert.equal(await page.getAttribute('html', 'lang'), 'es');
    assert.equal(await page.locator('h1').count(), 1);
    assert.equal(await page.locator('main').count(), 1);
    assert.match(await page.locator('#app-name').innerText(), /Sede Electrónica de Ejemplo/);
    const items = page.locator('#documents li');
    assert.equal(await items.count(), 2);
    assert.match((await items.nth(1).innerText()).toLowerCase(), /anexo-i\.pdf/);
    const item = (await items.first().innerText()).toLowerCase();
    assert.match(item, /resolucion\.txt/);
    assert.match(item, /cades/i);
    const sha = createHash('sha256').update(tx.content).digest('hex');
    assert.ok(item.replace(/[^0-9a-f]/g, '').includes(sha.slice(0, 8)), `no SHA-256 fingerprint ${sha} in "${item}"`);
    assert.ok((await page.locator('#expires-at').innerText()).trim().length > 0, '#expires-at is empty');
    assert.equal(await page.getAttribute('input[name=nif]', 'autocomplete'), 'username');
    assert.equal(await page.getAttribute('input[name=password]', 'type'), 'password');
    assert.equal(await page.getAttribute('input[name=password]', 'autocomplete'), 'current-password');
    assert.equal(await page.locator('form#reject-form').count(), 1);
    const pendingShot = await look(page, 'sign-pending');
    // The README's picture: refreshed only on request, so a test run never dirties the work tree.
    if (process.env.FIRMA_E2E_UPDATE_README_IMAGE === '1') {
      mkdirSync(join(here, '../../docs/images'), { recursive: true });
      copyFileSync(pendingShot, join(here, '../../docs/images/confirmation.png'));
    }

    await page.fill('input[name=nif]', maria.nif);
    await page.fill('input[name=password]', WRONG_PASSWORD);
    const refused = await submit(page, '#login-submit');
    assert.ok(refused.status() >= 400 && refused.status() < 500, `wrong password answered ${refused.status()}`);
    const wrong = await errorAlert(page);
    for (const [name, value] of [['cache-control', /no-store/], ['content-security-policy', /frame-ancestors 'none'/],
      ['x-frame-options', /DENY/i]])
      assert.match(refused.headers()[name] ?? '', value, `the re-rendered page after a refused POST: ${name}`);
    // The service does not tell how many attempts are left (invalid_credentials carries no count); the page
    // states the rule instead. Issue 6 asks for the attempts left: reported to the lead.
    assert.match(wrong, /bloque/i, `the wrong-password message should warn of the lockout: "${wrong}"`);
    assert.equal(await page.locator('form#login-form').count(), 1, 'the login form is shown again');
    await look(page, 'sign-wrong-password');

    const seen = (await firmad.outbox(maria.mobile)).length;
    await page.fill('input[name=nif]', maria.nif);
    await page.fill('input[name=password]', PASSWORD);
    const accepted = await submit(page, '#login-submit');
    assert.equal(accepted.status(), 200);
    assert.equal(accepted.request().redirectedFrom()?.method(), 'POST', 'a successful POST answers 303 (PRG)');
    await page.locator('form#otp-form').waitFor();
    assert.equal(await page.getAttribute('input[name=otp]', 'autocomplete'), 'one-time-code');
    assert.equal(await page.getAttribute('input[name=otp]', 'inputmode'), 'numeric');
    assert.equal(await page.locator('form#resend-form').count(), 1);
    assert.equal(await page.locator('form#reject-form').count(), 1);
    const sentTo = await page.locator('#otp-sent-to').innerText();
    assert.ok(sentTo.includes(maria.mobile.slice(-2)), `masked mobile "${sentTo}" should end like ${maria.mobile}`);
    assert.ok(!sentTo.replace(/\s/g, '').includes(maria.mobile.slice(-9)), `mobile not masked: "${sentTo}"`);
    await look(page, 'sign-otp');

    // A new code at once is refused: the cooldown (30 s by default) has not passed; no SMS goes out.
    const early = await submit(page, '#resend-submit');
    assert.ok(early.status() >= 400 && early.status() < 500, `an early resend answered ${early.status()}`);
    await errorAlert(page);
    assert.equal(await page.locator('form#otp-form').count(), 1, 'still asking for the code');
    assert.equal((await firmad.outbox(maria.mobile)).length, seen + 1, 'no second SMS within the cooldown');
    await look(page, 'sign-resend-too-early');

    const { code: otp } = await firmad.otpAfter(maria.mobile, seen);
    secretsSeen.add(otp);
    const wrongOtp = otp === '000000' ? '111111' : '000000';
    await page.fill('input[name=otp]', wrongOtp);
    const badOtp = await submit(page, '#otp-submit');
    assert.ok(badOtp.status() >= 400 && badOtp.status() < 500, `wrong OTP answered ${badOtp.status()}`);
    await errorAlert(page);
    await look(page, 'sign-wrong-otp');

    await page.fill('input[name=otp]', otp);
    const landed = await submit(page, '#otp-submit');
    const back = new URL(page.url());
    assert.equal(back.origin, service.url, `landed on ${page.url()}`);
    assert.equal(back.pathname, '/vuelta');
    assert.equal(back.searchParams.get('expediente'), '42', 'the return URL keeps its own query');
    assert.equal(back.searchParams.get('transaction'), tx.id);
    assert.equal(back.searchParams.get('status'), 'signed');
    assert.equal(landed.status(), 200);
    assert.equal(await page.locator('#status').innerText(), 'signed');
    await screenshot(page, 'sign-returned-signed');

    const result = await firmad.expect(200, 'GET', `/v1/transactions/${tx.id}`, { token: apiKey });
    assert.equal(result.status, 'signed');
    const caPem = (await firmad.call('GET', '/pki/ca.pem')).text;
    assert.match(caPem, /BEGIN CERTIFICATE/);
    const verified = verifyCades({
      content: tx.content,
      signature: Buffer.from(result.documents[0].signature, 'base64'),
      caPem,
    });
    assert.match(verified, /Verification successful/);
    assert.equal(result.documents[1].name, 'anexo-I.pdf (huella)');
    const rawVerified = verifyRaw({
      digest,
      signature: Buffer.from(result.documents[1].signature, 'base64'),
      certificatePem: result.certificate,
      caPem,
    });
    assert.match(rawVerified, /Signature Verified Successfully/);
    assert.match(rawVerified, /cert\.pem: OK/);

    const finalPage = await page.goto(tx.confirm_url);
    assert.equal(finalPage.status(), 200);
    assert.ok((await page.locator('#final-status').innerText()).trim().length > 0);
    assert.equal(await page.locator('main form').count(), 0, 'no forms once signed');
    await look(page, 'sign-final-signed');
    assert.deepEqual(ctx.cspViolations, []);
    assertNoAuditFindings('sign-');
  });

  test('rejection: the citizen rejects and lands on the return URL with status=rejected', async () => {
    const tx = await newTransaction(maria);
    const ctx = await context();
    const page = await ctx.newPage();
    await page.goto(tx.confirm_url);
    await submit(page, '#reject-submit');
    const back = new URL(page.url());
    assert.equal(back.origin, service.url);
    assert.equal(back.searchParams.get('transaction'), tx.id);
    assert.equal(back.searchParams.get('status'), 'rejected');
    await screenshot(page, 'reject-returned');
    const result = await firmad.expect(200, 'GET', `/v1/transactions/${tx.id}`, { token: apiKey });
    assert.equal(result.status, 'rejected');

    await page.goto(tx.confirm_url);
    assert.ok((await page.locator('#final-status').innerText()).trim().length > 0);
    assert.equal(await page.locator('form#login-form').count(), 0);
    await look(page, 'reject-final');
    assert.deepEqual(ctx.cspViolations, []);
    assertNoAuditFindings('reject-');
  });

  test('five wrong passwords lock the account; the page says so, also for the right password', async () => {
    const luis = citizen('luis');
    await firmad.activeCitizen(luis);
    const tx = await newTransaction(luis);
    const ctx = await context();
    const page = await ctx.newPage();
    await page.goto(tx.confirm_url);
    const messages = [];
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      await page.fill('input[name=nif]', luis.nif);
      await page.fill('input[name=password]', `${WRONG_PASSWORD}${attempt}`);
      const r = await submit(page, '#login-submit');
      assert.ok(r.status() >= 400 && r.status() < 500, `attempt ${attempt} answered ${r.status()}`);
      messages.push(await errorAlert(page));
    }
    assert.match(messages[4], /bloquead/i, `the fifth wrong password should say the account is locked: "${messages[4]}"`);
    await look(page, 'lockout-locked');
    const record = await firmad.expect(200, 'GET', `/v1/admin/citizens/${luis.nif}`, { token: firmad.operatorToken });
    assert.equal(record.status, 'locked');

    const seen = (await firmad.outbox(luis.mobile)).length;
    await page.fill('input[name=nif]', luis.nif);
    await page.fill('input[name=password]', PASSWORD);
    const r = await submit(page, '#login-submit');
    assert.equal(r.status(), 423);
    assert.match(await errorAlert(page), /bloquead/i);
    assert.match(await page.locator('#error').innerHTML(), /password\/reset|restablec/i, 'says how to unlock');
    assert.equal((await firmad.outbox(luis.mobile)).length, seen, 'no SMS for a locked account');
    assert.deepEqual(ctx.cspViolations, []);
    assertNoAuditFindings('lockout-');

    // The reset unlocks: a new activation code from an operator, then /password/reset.
    const { activation_code: code } = await firmad.expect(200, 'POST', `/v1/admin/citizens/${luis.nif}/activation-code`, {
      token: firmad.operatorToken,
    });
    secretsSeen.add(code);
    await page.goto(`${firmad.url}/password/reset`);
    await page.fill('form#start-form input[name=nif]', luis.nif);
    await page.fill('form#start-form input[name=activation_code]', code);
    await look(page, 'reset-start');
    const seenReset = (await firmad.outbox(luis.mobile)).length;
    await submit(page, '#start-submit');
    await page.locator('form#complete-form').waitFor();
    const { code: otp } = await firmad.otpAfter(luis.mobile, seenReset);
    secretsSeen.add(otp);
    await page.fill('input[name=otp]', otp);
    await page.fill('input[name=password]', NEW_PASSWORD);
    await page.fill('input[name=password_confirmation]', NEW_PASSWORD);
    await look(page, 'reset-complete');
    await submit(page, '#complete-submit');
    assert.equal(await page.getAttribute('#done', 'role'), 'status');
    await look(page, 'reset-done');
    const unlocked = await firmad.expect(200, 'GET', `/v1/admin/citizens/${luis.nif}`, { token: firmad.operatorToken });
    assert.equal(unlocked.status, 'active');
    assertNoAuditFindings('reset-');
  });

  test('an unknown transaction is a 404 page', async () => {
    const ctx = await context();
    const page = await ctx.newPage();
    const r = await page.goto(`${firmad.url}/sign/txn-doesnotexist`);
    assert.equal(r.status(), 404);
    assert.equal(await page.locator('h1').count(), 1);
    await look(page, 'notfound');
    assertNoAuditFindings('notfound');
  });
});

describe('a transaction that runs out of time', () => {
  let brief;
  before(async () => {
    // firmad's clock cannot be injected from outside: a firmad whose transactions live 10 s (the minimum).
    brief = await Firmad.start({ name: 'firmad-short-lifetime', settings: { 'signing.transaction_lifetime_seconds': '10' } });
  });
  after(async () => {
    const { code, signal } = await brief.stop();
    assert.equal(code, 0, `firmad (short lifetime) exited with ${code ?? signal}`);
  });

  test('a form left open past the deadline refuses to go on, sends no SMS, and the page then shows it expired', async () => {
    const key = await brief.createApplication('Sede Electrónica de Ejemplo', `${service.url}/vuelta`);
    const who = citizen('tarde');
    await brief.activeCitizen(who);
    const tx = await brief.createTransaction(key, {
      nif: who.nif,
      returnUrl: `${service.url}/vuelta`,
      documents: [{ name: 'tarde.txt', format: 'cades', content: Buffer.from('Fuera de plazo\n').toString('base64') }],
    });
    const ctx = await context();
    const page = await ctx.newPage();
    await page.goto(tx.confirm_url);
    await page.locator('form#login-form').waitFor();
    await page.fill('input[name=nif]', who.nif);
    await page.fill('input[name=password]', PASSWORD);

    // Wait out the deadline the service announced (a real clock: nothing else can move firmad's).
    const deadline = Date.parse(tx.expires_at);
    assert.ok(deadline - Date.now() < 15_000, `expires_at ${tx.expires_at} is not 10 s away`);
    while (Date.now() < deadline + 1500) await new Promise((r) => setTimeout(r, 250));

    const seen = (await brief.outbox(who.mobile)).length;
    const late = await submit(page, '#login-submit');
    assert.ok(late.status() >= 400 && late.status() < 500, `a late password answered ${late.status()}`);
    const shown = (await page.locator('#error, #final-status').first().innerText()).trim();
    assert.match(shown, /plazo|caduc|expir/i, `the page should say the time is up: "${shown}"`);
    assert.equal(await page.locator('form#otp-form').count(), 0, 'no OTP form for an expired transaction');
    assert.equal((await brief.outbox(who.mobile)).length, seen, 'no SMS for an expired transaction');
    await look(page, 'expired-submit');

    const reopened = await page.goto(tx.confirm_url);
    assert.ok(reopened.status() < 500);
    assert.match(await page.locator('#final-status').innerText(), /plazo|caduc|expir/i);
    assert.equal(await page.locator('main form').count(), 0, 'no forms on an expired transaction');
    await look(page, 'expired-final');
    const result = await brief.expect(200, 'GET', `/v1/transactions/${tx.id}`, { token: key });
    assert.equal(result.status, 'expired');
    assert.deepEqual(ctx.cspViolations, []);
    assertNoAuditFindings('expired-');
  });
});

describe('a new SMS code', () => {
  let quick;
  before(async () => {
    quick = await Firmad.start({ name: 'firmad-no-cooldown', settings: { 'otp.resend_cooldown_seconds': '0' } });
  });
  after(async () => {
    const { code, signal } = await quick.stop();
    assert.equal(code, 0, `firmad (no cooldown) exited with ${code ?? signal}`);
  });

  test('the citizen asks for a new code: a second SMS, the old code stops working, the new one signs', async () => {
    const key = await quick.createApplication('Ayuntamiento de Ejemplo', `${service.url}/vuelta`);
    const who = citizen('reenvio');
    await quick.activeCitizen(who);
    const content = Buffer.from('Licencia de obra 7/2026\n');
    const tx = await quick.createTransaction(key, {
      nif: who.nif,
      returnUrl: `${service.url}/vuelta`,
      documents: [{ name: 'licencia.txt', format: 'cades', content: content.toString('base64') }],
    });
    const ctx = await context();
    const page = await ctx.newPage();
    await page.goto(tx.confirm_url);
    const seen = (await quick.outbox(who.mobile)).length;
    await page.fill('input[name=nif]', who.nif);
    await page.fill('input[name=password]', PASSWORD);
    await submit(page, '#login-submit');
    const { code: first } = await quick.otpAfter(who.mobile, seen);
    const resent = await submit(page, '#resend-submit');
    assert.equal(resent.status(), 200);
    await page.locator('form#otp-form').waitFor();
    const { code: second } = await quick.otpAfter(who.mobile, seen + 1);
    secretsSeen.add(first);
    secretsSeen.add(second);
    await look(page, 'resend-sent');
    if (first !== second) {
      await page.fill('input[name=otp]', first);
      const stale = await submit(page, '#otp-submit');
      assert.ok(stale.status() >= 400 && stale.status() < 500, `the replaced code answered ${stale.status()}`);
      await errorAlert(page);
    }
    await page.fill('input[name=otp]', second);
    await submit(page, '#otp-submit');
    assert.equal(new URL(page.url()).searchParams.get('status'), 'signed');
    const result = await quick.expect(200, 'GET', `/v1/transactions/${tx.id}`, { token: key });
    verifyCades({ content, signature: Buffer.from(result.documents[0].signature, 'base64'),
      caPem: (await quick.call('GET', '/pki/ca.pem')).text });
    assert.deepEqual(ctx.cspViolations, []);
    assertNoAuditFindings('resend-');
  });
});

describe('account pages', () => {
  test('a new citizen activates through /activate (activation code from the registration, OTP from the outbox)', async () => {
    const ana = citizen('ana');
    const code = await firmad.registerCitizen(ana);
    secretsSeen.add(code);
    const ctx = await context();
    const page = await ctx.newPage();
    await page.goto(`${firmad.url}/activate`);
    assert.equal(await page.locator('h1').count(), 1);
    await look(page, 'activate-start');

    // Wrong code first: an error, and no SMS.
    const seen = (await firmad.outbox(ana.mobile)).length;
    await page.fill('form#start-form input[name=nif]', ana.nif);
    if (await page.locator('form#start-form input[name=email]').count())
      await page.fill('form#start-form input[name=email]', ana.email);
    await page.fill('form#start-form input[name=activation_code]', 'AAAA-BBBB-CCCC-DDDD');
    const refused = await submit(page, '#start-submit');
    assert.ok(refused.status() >= 400 && refused.status() < 500, `a wrong code answered ${refused.status()}`);
    await errorAlert(page);
    assert.equal((await firmad.outbox(ana.mobile)).length, seen);
    await look(page, 'activate-wrong-code');

    await page.fill('form#start-form input[name=nif]', ana.nif);
    if (await page.locator('form#start-form input[name=email]').count())
      await page.fill('form#start-form input[name=email]', ana.email);
    await page.fill('form#start-form input[name=activation_code]', code);
    await submit(page, '#start-submit');
    await page.locator('form#complete-form').waitFor();
    assert.ok(!page.url().includes('challenge') && new URL(page.url()).search === '', `step 2 URL: ${page.url()}`);
    for (const cookie of await ctx.cookies(firmad.url)) {
      assert.equal(cookie.httpOnly, true, `cookie ${cookie.name} is not HttpOnly`);
      assert.equal(cookie.sameSite, 'Strict', `cookie ${cookie.name} is not SameSite=Strict`);
    }
    assert.equal(await page.getAttribute('input[name=otp]', 'autocomplete'), 'one-time-code');
    assert.equal(await page.getAttribute('input[name=password]', 'autocomplete'), 'new-password');
    assert.equal(await page.getAttribute('input[name=password_confirmation]', 'autocomplete'), 'new-password');
    const { code: otp } = await firmad.otpAfter(ana.mobile, seen);
    secretsSeen.add(otp);
    await look(page, 'activate-complete');
    await page.fill('input[name=otp]', otp);
    await page.fill('input[name=password]', PASSWORD);
    await page.fill('input[name=password_confirmation]', PASSWORD);
    await submit(page, '#complete-submit');
    const done = page.locator('#done');
    await done.waitFor();
    assert.equal(await done.getAttribute('role'), 'status');
    await look(page, 'activate-done');

    const record = await firmad.expect(200, 'GET', `/v1/admin/citizens/${ana.nif}`, { token: firmad.operatorToken });
    assert.equal(record.status, 'active');
    // The new account works: it can start a signature.
    const tx = await newTransaction(ana);
    await firmad.expect(202, 'POST', `/v1/transactions/${tx.id}/authenticate`, {
      body: { nif: ana.nif, password: PASSWORD },
    });
    assert.deepEqual(ctx.cspViolations, []);
    assertNoAuditFindings('activate-');
  });

  test('/password/change: mismatched confirmation refused, then current password + OTP change it', async () => {
    const pedro = citizen('pedro');
    await firmad.activeCitizen(pedro);
    const ctx = await context();
    const page = await ctx.newPage();
    await page.goto(`${firmad.url}/password/change`);
    await look(page, 'change-start');
    const fill = async (confirmation) => {
      await page.fill('form#start-form input[name=nif]', pedro.nif);
      await page.fill('form#start-form input[name=current_password]', PASSWORD);
      await page.fill('form#start-form input[name=password]', NEW_PASSWORD);
      await page.fill('form#start-form input[name=password_confirmation]', confirmation);
    };
    const seen = (await firmad.outbox(pedro.mobile)).length;
    await fill(`${NEW_PASSWORD}x`);
    const mismatch = await submit(page, '#start-submit');
    assert.ok(mismatch.status() >= 400 && mismatch.status() < 500, `a mismatch answered ${mismatch.status()}`);
    await errorAlert(page);
    assert.equal((await firmad.outbox(pedro.mobile)).length, seen, 'no SMS for a mismatched confirmation');
    await look(page, 'change-mismatch');

    await fill(NEW_PASSWORD);
    await submit(page, '#start-submit');
    await page.locator('form#complete-form input[name=otp]').waitFor();
    await look(page, 'change-otp');
    const { code: otp } = await firmad.otpAfter(pedro.mobile, seen);
    secretsSeen.add(otp);
    await page.fill('input[name=otp]', otp);
    await submit(page, '#complete-submit');
    assert.equal(await page.getAttribute('#done', 'role'), 'status');
    await look(page, 'change-done');

    const tx = await newTransaction(pedro);
    const old = await firmad.call('POST', `/v1/transactions/${tx.id}/authenticate`, {
      body: { nif: pedro.nif, password: PASSWORD },
    });
    assert.ok(old.status >= 400 && old.status < 500, `the old password still works: ${old.status}`);
    await firmad.expect(202, 'POST', `/v1/transactions/${tx.id}/authenticate`, {
      body: { nif: pedro.nif, password: NEW_PASSWORD },
    });
    assert.deepEqual(ctx.cspViolations, []);
    assertNoAuditFindings('change-');
  });

  test('/deregister: password then OTP; afterwards nothing works for the NIF', async () => {
    const rosa = citizen('rosa');
    await firmad.activeCitizen(rosa);
    const ctx = await context();
    const page = await ctx.newPage();
    await page.goto(`${firmad.url}/deregister`);
    await look(page, 'deregister-start');
    const seen = (await firmad.outbox(rosa.mobile)).length;
    await page.fill('form#start-form input[name=nif]', rosa.nif);
    await page.fill('form#start-form input[name=password]', PASSWORD);
    await submit(page, '#start-submit');
    await page.locator('form#complete-form input[name=otp]').waitFor();
    await look(page, 'deregister-otp');
    const { code: otp } = await firmad.otpAfter(rosa.mobile, seen);
    secretsSeen.add(otp);
    await page.fill('input[name=otp]', otp);
    await submit(page, '#complete-submit');
    assert.equal(await page.getAttribute('#done', 'role'), 'status');
    await look(page, 'deregister-done');
    const record = await firmad.call('GET', `/v1/admin/citizens/${rosa.nif}`, { token: firmad.operatorToken });
    assert.ok(record.status === 404 || record.json?.status === 'deregistered', `after deregistration: ${record.text}`);
    assert.deepEqual(ctx.cspViolations, []);
    assertNoAuditFindings('deregister-');
  });
});

describe('security', () => {
  const pages = () => ['/activate', '/password/reset', '/password/change', '/deregister'];

  test('every page sends the security headers and the CSRF cookie HttpOnly SameSite=Strict', async () => {
    const tx = await newTransaction(citizen('cabeceras'));
    for (const path of [`/sign/${tx.id}`, ...pages(), '/sign/txn-doesnotexist']) {
      const r = await firmad.call('GET', path);
      const h = r.headers;
      const csp = h.get('content-security-policy') ?? '';
      assert.match(csp, /frame-ancestors 'none'/, `${path}: CSP "${csp}"`);
      const script = (csp.match(/(?:^|;)\s*script-src([^;]*)/) ?? csp.match(/(?:^|;)\s*default-src([^;]*)/) ?? [])[1];
      assert.ok(script !== undefined, `${path}: CSP has neither script-src nor default-src: "${csp}"`);
      assert.doesNotMatch(script, /'unsafe-inline'|'unsafe-eval'|\*/, `${path}: scripts not restricted: "${csp}"`);
      assert.equal(h.get('x-frame-options')?.toUpperCase(), 'DENY', path);
      assert.match(h.get('cache-control') ?? '', /no-store/, path);
      assert.equal(h.get('referrer-policy'), 'no-referrer', path);
      assert.equal(h.get('x-content-type-options'), 'nosniff', path);
      assert.match(h.get('content-type') ?? '', /text\/html/, path);
    }
    const ctx = await context();
    const page = await ctx.newPage();
    await page.goto(tx.confirm_url);
    const csrf = (await ctx.cookies()).find((c) => c.name === 'firma_csrf');
    assert.ok(csrf, 'no firma_csrf cookie');
    assert.equal(csrf.httpOnly, true);
    assert.equal(csrf.sameSite, 'Strict');
    assert.equal(csrf.secure, false, 'plain HTTP here; Secure is for TLS');
    const hidden = await page.locator('form#login-form input[type=hidden][name=csrf]').getAttribute('value');
    assert.ok(hidden && hidden.length >= 16, 'the form carries a csrf token');
    for (const form of await page.locator('main form').all())
      assert.equal(await form.locator('input[type=hidden][name=csrf]').count(), 1, 'every form carries the token');
  });

  test('a POST without the CSRF token, or with another one, is refused and changes nothing', async () => {
    const who = citizen('csrf');
    await firmad.activeCitizen(who);
    const tx = await newTransaction(who);
    const ctx = await context();
    const page = await ctx.newPage();
    await page.goto(tx.confirm_url);
    const seen = (await firmad.outbox(who.mobile)).length;
    // Through the context's own request client: the page's cookies go along (the CSP forbids fetch() in the page).
    const post = async (form) => {
      const r = await ctx.request.post(`${tx.confirm_url}/authenticate`, { form, maxRedirects: 0 });
      return r.status();
    };
    const without = await post({ nif: who.nif, password: PASSWORD });
    assert.ok(without >= 400 && without < 500, `no token answered ${without}`);
    const forged = await post({ nif: who.nif, password: PASSWORD, csrf: 'f'.repeat(43) });
    assert.ok(forged >= 400 && forged < 500, `a forged token answered ${forged}`);
    // Another site's request carries no cookie at all (SameSite=Strict); the server refuses it too.
    const crossSite = await fetch(`${tx.confirm_url}/reject`, { method: 'POST', redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'csrf=abc' });
    assert.ok(crossSite.status >= 400 && crossSite.status < 500, `a cookieless reject answered ${crossSite.status}`);
    assert.equal((await firmad.outbox(who.mobile)).length, seen, 'no SMS sent');
    const state = await firmad.expect(200, 'GET', `/v1/transactions/${tx.id}/summary`);
    assert.equal(state.status, 'pending');
  });

  test('the CSP holds (no injected inline script) and the confirmation page cannot be framed', async () => {
    const tx = await newTransaction(citizen('marco'));
    const ctx = await context();
    const page = await ctx.newPage();
    await page.goto(tx.confirm_url);
    await assert.rejects(page.addScriptTag({ content: 'window.injected = true;' }), /Content Security Policy/);
    assert.equal(await page.evaluate(() => window.injected), undefined);
    ctx.cspViolations.length = 0; // the violation above was provoked on purpose

    // A page of another origin tries to frame the confirmation page.
    const framer = await ctx.newPage();
    await framer.goto(`${service.url}/vuelta`);
    await framer.evaluate((src) => {
      const frame = document.createElement('iframe');
      frame.src = src;
      frame.id = 'victim';
      document.body.appendChild(frame);
      return new Promise((resolve) => frame.addEventListener('load', resolve));
    }, tx.confirm_url);
    const child = framer.frames().find((f) => f !== framer.mainFrame());
    assert.ok(child, 'the framing page has its frame');
    const framed = await child.locator('form#login-form').count().catch(() => 0);
    assert.equal(framed, 0, 'the confirmation page rendered inside a frame');
    await screenshot(framer, 'security-framing-refused');
  });

  test('no password, code or activation code ever appears in a URL the browser requested', () => {
    const leaks = visitedUrls.filter((u) => [...secretsSeen].some((s) => u.includes(s) || u.includes(encodeURIComponent(s))));
    assert.deepEqual(leaks, []);
    assert.ok(visitedUrls.length > 10, 'the flows ran');
  });
});

describe('presentation', () => {
  test('the axe-core audit finds what it should (a page with known faults is flagged)', async () => {
    const ctx = await context();
    const page = await ctx.newPage();
    await page.goto(`${service.url}/faulty`);
    const findings = await audit(page, 'self-check-faulty');
    assert.ok(findings.some((f) => f.startsWith('image-alt')), findings.join('\n'));
    assert.ok(findings.some((f) => f.startsWith('label')), findings.join('\n'));
  });

  test('a narrow (375 px) screen shows the confirmation page without horizontal scrolling', async () => {
    const who = citizen('movil');
    await firmad.activeCitizen(who);
    const tx = await newTransaction(who);
    const ctx = await context({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    const page = await ctx.newPage();
    await page.goto(tx.confirm_url);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 375, `the page is ${width} px wide on a 375 px screen`);
    const viewport = await page.evaluate(() => document.querySelector('meta[name=viewport]')?.content ?? '');
    assert.match(viewport, /width=device-width/);
    await look(page, 'mobile-pending');
    const seen = (await firmad.outbox(who.mobile)).length;
    await page.fill('input[name=nif]', who.nif);
    await page.fill('input[name=password]', PASSWORD);
    await submit(page, '#login-submit');
    await page.locator('form#otp-form').waitFor();
    await firmad.otpAfter(who.mobile, seen);
    assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 375);
    await look(page, 'mobile-otp');
    assert.deepEqual(ctx.cspViolations, []);
    assertNoAuditFindings('mobile-');
  });

  test('the keyboard reaches the fields in reading order: DNI, password, continue, reject', async () => {
    const tx = await newTransaction(citizen('teclado'));
    const ctx = await context();
    const page = await ctx.newPage();
    await page.goto(tx.confirm_url);
    const order = [];
    for (let i = 0; i < 25; i += 1) {
      await page.keyboard.press('Tab');
      const id = await page.evaluate(() => {
        const e = document.activeElement;
        return e ? e.id || e.getAttribute('name') || e.tagName.toLowerCase() : '';
      });
      order.push(id);
    }
    const at = (name) => order.indexOf(name);
    for (const name of ['nif', 'password', 'login-submit', 'reject-submit'])
      assert.ok(at(name) >= 0, `Tab never reaches ${name}: ${order.join(', ')}`);
    assert.ok(at('nif') < at('password') && at('password') < at('login-submit') && at('login-submit') < at('reject-submit'),
      `focus order: ${order.join(', ')}`);
    // A visible focus indicator on the field the keyboard is in.
    await page.focus('input[name=nif]');
    const outline = await page.evaluate(() => {
      const style = getComputedStyle(document.activeElement);
      return { outline: style.outlineStyle, width: style.outlineWidth, shadow: style.boxShadow };
    });
    assert.ok(outline.outline !== 'none' || outline.shadow !== 'none', `no focus indicator: ${JSON.stringify(outline)}`);
  });

  test('Spanish by default, English through the switch (kept by a cookie) and through Accept-Language', async () => {
    const tx = await newTransaction(citizen('idioma'));
    const ctx = await context({ locale: 'fr-FR' });
    const page = await ctx.newPage();
    await page.goto(tx.confirm_url);
    assert.equal(await page.getAttribute('html', 'lang'), 'es');
    const spanish = await page.locator('h1').innerText();
    const toEnglish = page.locator('a[href*="lang=en"]');
    assert.ok((await toEnglish.count()) >= 1, 'a visible switch to English');
    assert.ok(await toEnglish.first().isVisible());
    await Promise.all([page.waitForNavigation(), toEnglish.first().click()]);
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    const english = await page.locator('h1').innerText();
    assert.notEqual(english, spanish);
    assert.equal(await page.locator('form#login-form').count(), 1, 'still the same transaction');
    await look(page, 'english-pending');
    await page.goto(`${firmad.url}/activate`);
    assert.equal(await page.getAttribute('html', 'lang'), 'en', 'the choice is kept for the next page');
    assert.ok((await page.locator('a[href*="lang=es"]').count()) >= 1, 'a switch back to Spanish');

    const en = await context({ locale: 'en-GB' });
    const enPage = await en.newPage();
    await enPage.goto(tx.confirm_url);
    assert.equal(await enPage.getAttribute('html', 'lang'), 'en');
    assert.equal(await enPage.locator('h1').innerText(), english);
    assert.deepEqual(ctx.cspViolations, []);
    assertNoAuditFindings('english-');
  });
});
