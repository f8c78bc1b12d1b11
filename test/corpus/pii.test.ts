import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createRedactor, isPublicIp, isValidIban, luhnOk } from '../../src/corpus/pii/index.js';

const defaults = createRedactor();
const everything = createRedactor({ phone: true, card: true });
const phonesOnly = createRedactor({ email: false, ip: false, iban: false, phone: true });
const cardsOnly = createRedactor({ email: false, ip: false, iban: false, card: true });

/** Redacts with `redact` and checks the result and, optionally, the counts. */
function expectRedacted(
  redact: ReturnType<typeof createRedactor>,
  input: string,
  expected: string,
  counts?: Partial<Record<'email' | 'ip' | 'iban' | 'phone' | 'card', number>>,
): void {
  const result = redact(input);
  assert.equal(result.text, expected);
  for (const [kind, n] of Object.entries(counts ?? {})) {
    assert.equal(result.counts[kind as keyof typeof result.counts], n, `${kind} count for ${input}`);
  }
}

function expectUntouched(redact: ReturnType<typeof createRedactor>, input: string): void {
  const result = redact(input);
  assert.equal(result.text, input);
  assert.deepEqual(result.counts, { email: 0, ip: 0, iban: 0, phone: 0, card: 0 });
}

describe('e-mail', () => {
  test('addresses in running text of several languages', () => {
    const cases: [string, string][] = [
      ['Schreiben Sie an max.mustermann@beispiel.de, danke.', 'Schreiben Sie an <email-pii>, danke.'],
      ['Contactez-nous à jean-pierre.dupont@exemple.fr !', 'Contactez-nous à <email-pii> !'],
      ['Escríbenos a maría.garcía@correo.es para más información.', 'Escríbenos a <email-pii> para más información.'],
      ['Scrivi a mario_rossi+news@esempio.it.', 'Scrivi a <email-pii>.'],
      ['请联系john.doe@example.com获取更多信息。', '请联系<email-pii>获取更多信息。'],
      ['メールはtaro.yamada@example.co.jpまでお送りください。', 'メールは<email-pii>までお送りください。'],
      ['Пишите на иван@почта.рф или ivan.petrov@mail.ru.', 'Пишите на <email-pii> или <email-pii>.'],
      ['راسلنا على ahmed.ali@example.com شكرا', 'راسلنا على <email-pii> شكرا'],
      ['Herr Müller: müller@bücher.de', 'Herr Müller: <email-pii>'],
      ['UPPER.Case@Example.COM works', '<email-pii> works'],
    ];
    for (const [input, expected] of cases) expectRedacted(defaults, input, expected);
    expectRedacted(defaults, cases[6]![0], cases[6]![1], { email: 2, ip: 0 });
  });

  test('brackets, mailto and trailing punctuation stay outside the match', () => {
    expectRedacted(defaults, 'Reply to <jane@example.org>.', 'Reply to <<email-pii>>.');
    expectRedacted(defaults, '(jane@example.org)', '(<email-pii>)');
    expectRedacted(defaults, '<a href="mailto:jane@example.org">', '<a href="mailto:<email-pii>">');
    expectRedacted(defaults, "'jane@example.org'", "'<email-pii>'");
    expectRedacted(defaults, 'Mail: jane@example.org; or jim@example.org, or jo@example.org!', 'Mail: <email-pii>; or <email-pii>, or <email-pii>!');
    expectRedacted(defaults, 'end: jane@example.org...', 'end: <email-pii>...');
    expectRedacted(defaults, 'dash jane@example.org--', 'dash <email-pii>--');
    expectRedacted(defaults, "o'brien@example.ie", '<email-pii>');
    expectRedacted(defaults, 'page?to=jane@example.org', 'page?to=<email-pii>');
    expectRedacted(defaults, 'literal jo@[192.168.0.1] here', 'literal <email-pii> here', { email: 1, ip: 0 });
  });

  test('things that are not addresses', () => {
    for (const input of [
      'follow @username on social media',
      'user@localhost has no domain',
      'a@b.c has a one-letter TLD',
      'npm install lodash@4.17.21',
      'retina image icon@2x.png and logo@3x.jpg',
      'price: 3 @ 5.00 each',
      'double .dot..@example.com is not a dot-atom tail',
      `${'x'.repeat(65)}@example.com has a local part over 64`,
      'x@-example.com starts with a hyphen',
    ]) {
      expectUntouched(defaults, input);
    }
  });
});

describe('IP addresses', () => {
  test('IPv4 in text, with trailing punctuation and ports', () => {
    expectRedacted(defaults, 'Server 8.8.8.8 and 192.168.1.1:8080.', 'Server <ip-pii> and <ip-pii>:8080.', { ip: 2 });
    expectRedacted(defaults, 'Адрес сервера 163.36.107.25, порт 80', 'Адрес сервера <ip-pii>, порт 80');
    expectRedacted(defaults, '服务器地址为1.2.3.4。', '服务器地址为<ip-pii>。');
    expectRedacted(defaults, 'range 10.0.0.0/8', 'range <ip-pii>/8');
  });

  test('versions, dates, decimals and malformed quads are left alone', () => {
    for (const input of [
      'Version 1.2.3.4.5 released',
      'Datum 2024.01.02 und 02.01.2024',
      'pi is 3.14159 and e is 2.71828',
      'Preis 1.234.567,89 €',
      '999.999.999.999',
      '108.0.0.01 has a leading zero',
      '00.0000.00.00',
      '192.168.l.1',
      '912.456.123.123',
      '.3.3.3.0',
      'v1.2.3.4 is a tag',
      'times 12:30:45 and MAC 00:1A:2B:3C:4D:5E',
      'C++ std::cout and Rust Vec::new and a::b',
    ]) {
      expectUntouched(defaults, input);
    }
  });

  test('IPv6: full, compressed, IPv4-mapped, with zone', () => {
    expectRedacted(defaults, 'host 2001:0db8:85a3:0000:0000:8a2e:0370:7334 up', 'host <ip-pii> up');
    expectRedacted(defaults, 'host 2a00:1450:4001:81c::200e.', 'host <ip-pii>.');
    expectRedacted(defaults, 'loopback ::1 and mapped ::ffff:192.0.2.128', 'loopback <ip-pii> and mapped <ip-pii>', { ip: 2 });
    expectRedacted(defaults, 'link fe80::1%eth0', 'link <ip-pii>%eth0');
    expectRedacted(defaults, '[2001:db8::1]:443', '[<ip-pii>]:443');
  });

  test('public_ip_only keeps private, loopback, link-local and documentation addresses', () => {
    const publicOnly = createRedactor({ public_ip_only: true });
    const kept = [
      '10.0.0.1', '172.16.0.9', '172.31.254.254', '192.168.1.2', '127.0.0.2', '169.254.10.1', '100.64.0.1',
      '0.1.2.3', '224.0.0.1', '255.255.255.255', '192.0.2.1', '::1', 'fe80::1', 'fc00::1', '2001:db8::1',
      '::ffff:10.0.0.1',
    ];
    for (const address of kept) {
      assert.equal(isPublicIp(address), false, address);
      expectUntouched(publicOnly, `addr ${address} here`);
    }
    const redacted = ['8.8.8.8', '163.36.107.25', '57.120.21.121', '2a00:1450:4001:81c::200e', '::ffff:8.8.8.8'];
    for (const address of redacted) {
      assert.equal(isPublicIp(address), true, address);
      expectRedacted(publicOnly, `addr ${address} here`, 'addr <ip-pii> here', { ip: 1 });
    }
    // Without the option every address goes, as in Apertus.
    expectRedacted(defaults, '10.0.0.1 and ::1', '<ip-pii> and <ip-pii>');
  });
});

describe('IBAN', () => {
  const valid = [
    'DE89 3704 0044 0532 0130 00',
    'GB82 WEST 1234 5698 7654 32',
    'FR14 2004 1010 0505 0001 3M02 606',
    'CH93 0076 2011 6238 5295 7',
    'NL91 ABNA 0417 1643 00',
    'IT60 X054 2811 1010 0000 0123 456',
    'ES91 2100 0418 4502 0005 1332',
    'AT61 1904 3002 3457 3201',
    'BE68 5390 0754 7034',
  ];

  test('known-good IBANs, spaced, unspaced and lower case', () => {
    for (const spaced of valid) {
      const compact = spaced.replaceAll(' ', '');
      assert.ok(isValidIban(compact), compact);
      expectRedacted(defaults, `IBAN: ${spaced}.`, 'IBAN: <iban-pii>.', { iban: 1 });
      expectRedacted(defaults, `IBAN ${compact}, bitte.`, 'IBAN <iban-pii>, bitte.', { iban: 1 });
      expectRedacted(defaults, `iban ${spaced.toLowerCase()}`, 'iban <iban-pii>', { iban: 1 });
    }
    expectRedacted(defaults, 'Virement sur FR1420041010050500013M02606 (BNP)', 'Virement sur <iban-pii> (BNP)');
    expectRedacted(defaults, 'Konto DE89 3704 0044 0532 0130 00 12 Euro', 'Konto <iban-pii> 12 Euro');
  });

  test('wrong check digits, lengths or shapes are not IBANs', () => {
    assert.equal(isValidIban('DE88370400440532013000'), false);
    for (const input of [
      'DE88 3704 0044 0532 0130 00',
      'DE89 3704 0044 0532 0130 0',
      'DE89370400440532013000X',
      'XDE89370400440532013000',
      'GB82 WEST 1234 5698 7654 33',
      'DE89 37 04 00 44 05 32 01 30 00',
      'ZZ89 3704 0044 0532 0130 00',
    ]) {
      expectUntouched(defaults, input);
    }
  });

  test('phone-like and other numbers are not IBANs', () => {
    for (const input of ['Tel. +49 30 1234 5678', 'Rechnung 2024 0001 2345 6789', 'AB12 3456 7890 1234 5678 90', 'ISBN 978-3-16-148410-0']) {
      expectUntouched(defaults, input);
    }
  });
});

describe('payment cards (optional)', () => {
  test('Luhn-valid numbers of known issuers', () => {
    const cards = [
      '4111 1111 1111 1111', '4012888888881881', '5555-5555-5555-4444', '2223 0031 2200 3222',
      '3782 822463 10005', '371449635398431', '6011 1111 1111 1117', '3530 1113 3330 0000', '3056 930902 5904',
    ];
    for (const card of cards) {
      assert.ok(luhnOk(card.replace(/[ -]/g, '')), card);
      expectRedacted(everything, `Karte ${card}, gültig`, 'Karte <card-pii>, gültig', { card: 1 });
    }
    expectRedacted(everything, 'order 2024 4111 1111 1111 1111', 'order 2024 <card-pii>');
  });

  test('invalid checksums, unknown issuers and odd layouts stay', () => {
    for (const input of [
      '4111 1111 1111 1112',
      '1234 5678 9012 3452',
      '4111 11 1111 1111 111',
      '4111-1111 1111-1111',
      'id 41111111111111110000',
      '4111 1111 1111 1111 1111 1111 1111 1111 1111 1111 1111 1111 1111',
    ]) {
      expectUntouched(cardsOnly, input);
    }
    expectUntouched(defaults, '4111 1111 1111 1111');
  });
});

describe('phone numbers (optional)', () => {
  test('international and national formats', () => {
    const phones = [
      '+41 44 668 18 00', '+49 (0)30 1234567', '+1-202-555-0143', '+7 (495) 123-45-67', '+33 1 23 45 67 89',
      '+86 10 1234 5678', '+81 3-1234-5678', '+971 4 123 4567', '+41446681800', '0041 44 668 18 00',
      '030 1234567', '030/1234567', '01 23 45 67 89', '044 668 18 00', '(202) 555-0143', '202-555-0143',
      '1-800-555-0199', '8 (495) 123-45-67', '03-1234-5678', '06.12.34.56.78',
    ];
    for (const phone of phones) {
      expectRedacted(everything, `Tel. ${phone}, bitte`, 'Tel. <phone-pii>, bitte', { phone: 1 });
    }
    expectRedacted(everything, 'Appelez le 01 23 45 67 89.', 'Appelez le <phone-pii>.');
    expectRedacted(everything, '電話番号：03-1234-5678です', '電話番号：<phone-pii>です');
    expectRedacted(everything, 'Звоните: +7 (495) 123-45-67!', 'Звоните: <phone-pii>!');
    expectRedacted(everything, 'llame al (030 1234567)', 'llame al (<phone-pii>)');
  });

  test('dates, times, ISBNs, prices, versions and plain numbers are not phones', () => {
    for (const input of [
      'am 2024-01-02 um 10:30', 'le 02.01.2024', 'el 02/01/2024', 'Öffnungszeiten 08.30-17.00',
      'ISBN 978-3-16-148410-0', 'ISBN 0-306-40615-2', 'ISBN: 030 640 615 2', 'ISSN 0317-8471',
      'Preis 1 234 567 €', 'Summe 1.234.567,89', 'pi 3.14159265358979', 'Version 10.2.3.4.5',
      'Kundennummer 12345678901', 'Jahre 1990-2020', 'Seiten 100 200 3000', 'Liste 0 1 2 3 4 5 6 7 8 9',
      'IP 192.168.100.200', 'Koordinaten 47.376887, 8.541694', '0000 0000', 'Score 3-1, 2-2',
      'bad IBAN DE88 3704 0044 0532 0130 00',
    ]) {
      expectUntouched(phonesOnly, input);
    }
    expectUntouched(defaults, 'Tel. +41 44 668 18 00');
  });
});

describe('the redactor', () => {
  test('all kinds in one text, counted', () => {
    const input =
      'Kontakt: anna@example.ch, Tel. +41 44 668 18 00, IBAN CH93 0076 2011 6238 5295 7, ' +
      'Karte 4111 1111 1111 1111, Server 8.8.8.8 und 2001:db8::1.';
    const result = everything(input);
    assert.equal(
      result.text,
      'Kontakt: <email-pii>, Tel. <phone-pii>, IBAN <iban-pii>, Karte <card-pii>, Server <ip-pii> und <ip-pii>.',
    );
    assert.deepEqual(result.counts, { email: 1, ip: 2, iban: 1, phone: 1, card: 1 });
  });

  test('detectors can be switched off and replacements changed', () => {
    const onlyIban = createRedactor({ email: false, ip: false, replacements: { iban: '[IBAN]' } });
    expectRedacted(onlyIban, 'a@b.ch 8.8.8.8 DE89370400440532013000', 'a@b.ch 8.8.8.8 [IBAN]', { iban: 1, email: 0 });
    const custom = createRedactor({ replacements: { email: 'email@example.com', ip: '' } });
    expectRedacted(custom, 'x@y.org at 1.1.1.1!', 'email@example.com at !');
    assert.throws(() => createRedactor({ replacements: { url: 'x' } as never }), /unknown replacement kind 'url'/);
  });

  test('a text without matches comes back unchanged', () => {
    const input = 'Nothing to see here, 42 times. Version 1.2, 10:30.';
    assert.equal(everything(input).text, input);
    assert.equal(everything('').text, '');
  });
});
