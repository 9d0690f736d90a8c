import assert from 'node:assert/strict';
import { readConfig } from '../src/config';
import { captureContent, jsonKeyAt, Masker, MASK, safeText, type CapturedContent, type JsonKey } from '../src/masking';

describe('unit: masking rules', () => {
  const masker = new Masker(readConfig({}).config.maskKeys);

  it('sensitive keys match word-wise in camelCase, snake_case, kebab-case and SCREAMING_CASE', () => {
    for (const key of [
      'password', 'secretKey', 'secret_key', 'SECRET-KEY', 'clientSecret', 'ssn', 'customer_ssn', 'pin', 'PIN', 'userPin',
      'pin_code', 'apiKey', 'APIKey', 'x-api-key', 'X-Api-Key', 'accessToken', 'access_token', 'Set-Cookie',
      'userpassword', 'customerEmail', 'cardNumber', 'private_key', 'credentials',
    ]) {
      assert.equal(masker.isSensitiveKey(key), true, key);
    }
    for (const key of ['spinner', 'pinned', 'pinnacle', 'company', 'orderNumber', 'polygonCount', 'secretary', 'passport', 'keyboard', 'shipping']) {
      assert.equal(masker.isSensitiveKey(key), false, key);
    }
  });

  it('FILAMENT_MASK_KEYS entries match word-wise too, however they are written', () => {
    const custom = new Masker(readConfig({ FILAMENT_MASK_KEYS: 'shippingAddress,date_of_birth' }).config.maskKeys);
    for (const key of ['shipping_address_line1', 'shippingAddress', 'customerDateOfBirth', 'DATE-OF-BIRTH']) {
      assert.equal(custom.isSensitiveKey(key), true, key);
    }
    assert.equal(custom.isSensitiveKey('shipping'), false);
  });

  it('decides on the key a JSON reader sees: keys written with escapes are decoded', () => {
    const { text, masked } = masker.mask(
      '{"pass\\u0077ord":"hunter2","\\u0074oken":["a"],"\\u0070\\u0069\\u006E":1234,"api\\u005FKEY":{"k":1},'
      + '"say \\"hi\\"":"ok","x\\ud83d\\ude00":"ok","secret\\/":"s"}');
    assert.equal(text, `{"pass\\u0077ord":"${MASK}","\\u0074oken":"${MASK}","\\u0070\\u0069\\u006E":"${MASK}","api\\u005FKEY":"${MASK}",`
      + `"say \\"hi\\"":"ok","x\\ud83d\\ude00":"ok","secret\\/":"${MASK}"}`);
    assert.equal(masked, 5);
    // Decoded, the key has at most 64 characters, like a key without escapes; a cut escape is no key.
    assert.equal(masker.mask(`{"${'a'.repeat(56)}pass\\u0077ord":"x"}`).text, `{"${'a'.repeat(56)}pass\\u0077ord":"${MASK}"}`);
    assert.equal(masker.mask(`{"${'a'.repeat(57)}pass\\u0077ord":"x"}`).text, `{"${'a'.repeat(57)}pass\\u0077ord":"x"}`);
    assert.equal(masker.mask('{"pass\\u00').text, '{"pass\\u00');
  });

  it('digits separate words: password2, pwd1, token_2 are masked like their base words', () => {
    for (const key of ['password2', 'pwd1', 'token_2', 'Password2Hash', 'pin1', 'user2Email', 'secret3']) {
      assert.equal(masker.isSensitiveKey(key), true, key);
    }
    for (const key of ['passport2', 'spinner1', 'order2', 'v2', 'polygon3Count']) assert.equal(masker.isSensitiveKey(key), false, key);
    assert.equal(masker.mask('{"password2":"a","pwd1":"b","token_2":"c","v2":"d"}').text,
      `{"password2":"${MASK}","pwd1":"${MASK}","token_2":"${MASK}","v2":"d"}`);
    // A configured key with digits still matches: digits are words of their own.
    assert.equal(new Masker(readConfig({ FILAMENT_MASK_KEYS: 'x509' }).config.maskKeys).isSensitiveKey('clientX509'), true);
  });

  it('a string that is no key is skipped whole: text between two strings is never read as a key', () => {
    // Before, the closing quote of ":" began a key, and its "value" swallowed password's opening quote.
    assert.equal(masker.mask('["a", ":", {"password":"s"}]').text, `["a", ":", {"password":"${MASK}"}]`);
    assert.equal(masker.mask('{"k":[" :", "x"],"token":"t"}').text, `{"k":[" :", "x"],"token":"${MASK}"}`);
    // A stray quote in free text still lets the next quote begin a key.
    assert.equal(masker.mask('a 5" long part, {"password":"s"}').text, `a 5" long part, {"password":"${MASK}"}`);
  });

  it('masks whole values under sensitive keys whatever their type', () => {
    const { text, masked } = masker.mask(
      '{"password":{"value":"hunter2","hint":["a","b"]},"token":["abc",{"t":"def"}],"pin":1234,"ok":true,"secret":null}');
    assert.equal(text, `{"password":"${MASK}","token":"${MASK}","pin":"${MASK}","ok":true,"secret":null}`);
    assert.equal(masked, 3);
  });

  it('masks a value cut off at the end of the text (an open string, object or array)', () => {
    assert.equal(masker.mask('{"a":1,"password":"hunter2-and-mo').text, `{"a":1,"password":"${MASK}"`);
    assert.equal(masker.mask('{"auth":{"user":"bob","pass').text, `{"auth":"${MASK}"`);
  });

  it('masks header-style credentials in text, to the end of the line', () => {
    const { text, masked } = masker.mask(
      'request failed\nAuthorization: Basic Ym9iOmh1bnRlcjI=\nproxy-authorization: Bearer xyz.abc.def\n'
      + 'Cookie: session=abc; theme=dark\nContent-Type: text/plain\nX-Api-Key:k-1\n');
    assert.equal(text, `request failed\nAuthorization: ${MASK}\nproxy-authorization: ${MASK}\n`
      + `Cookie: ${MASK}\nContent-Type: text/plain\nX-Api-Key:${MASK}\n`);
    assert.equal(masked, 4);
    // Inside a JSON string the value stops at the closing quote: the JSON stays well-formed.
    assert.equal(masker.mask('{"msg":"upstream said Authorization: Bearer abc.def","n":1}').text,
      `{"msg":"upstream said Authorization: ${MASK}","n":1}`);
    // A colon after a JSON key, a time or a URL scheme is not a header.
    const clean = '{"at":"12:30","url":"https://example.org/x","note":"token expired"}\nat 10:15:00 GET /x';
    assert.deepEqual(masker.mask(clean), { text: clean, masked: 0 });
  });

  it('masks bearer tokens and URL credentials in free text', () => {
    assert.equal(masker.mask('sent Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig upstream').text, `sent Bearer ${MASK} upstream`);
    assert.equal(masker.mask('connect amqp://guest:s3cret@mq:5672 failed').text, `connect amqp://guest:${MASK}@mq:5672 failed`);
    assert.equal(masker.mask('Basic auth is off').text, 'Basic auth is off');
  });

  it('applies each rule whatever characters the value is made of (upper-case schemes, nines, a lone trigger)', () => {
    // mask() decides once which rules can apply from the characters of the text: each rule's
    // trigger with its edge characters.
    const cases: [string, string][] = [
      ['BASIC dXNlcjpwYXNzd29yZA== then', `BASIC ${MASK} then`],
      ['BEARER abcdefgh12345678 then', `BEARER ${MASK} then`],
      ['basic dXNlcjpwYXNzd29yZA==', `basic ${MASK}`],
      ['card 9999999999999995 ok', `card ${MASK} ok`],
      ['card 9999 9999 9999 9995 ok', `card ${MASK} ok`],
      ['call +49 (0)30 1234567 now', `call ${MASK} now`],
      ['mail bob@example.org now', `mail ${MASK} now`],
      ['a=1&token=t0k3n&b=2', `a=1&token=${MASK}&b=2`],
      ['{"password":"x"}', `{"password":"${MASK}"}`],
      ['Cookie: sid=abc', `Cookie: ${MASK}`],
    ];
    for (const [text, masked] of cases) assert.equal(masker.mask(text).text, masked, text);
  });

  it('leaves clean text alone', () => {
    for (const clean of [
      '{"orderNumber":"ORD-1","status":"paid","polygons":12,"spinner":true}',
      'GET /orders/ORD-1 took 12 ms at 10:15:00',
      'plain words, no secrets',
    ]) {
      assert.deepEqual(masker.mask(clean), { text: clean, masked: 0 });
    }
  });

  it('captureContent masks before capping: a secret across the cap leaks nothing, the mask is kept whole', () => {
    // The value starts 4 bytes before the cap (capping first exported `"Sup`).
    const body = `{"pad":"${'a'.repeat(75)}","password":"SuperSecret-123456","n":1}`;
    const cut = captureContent(Buffer.from(body), 'application/json', 100, masker);
    assert.equal(cut.text, `{"pad":"${'a'.repeat(75)}","password":"${MASK}…[truncated, ${body.length} bytes]`);
    assert.equal(cut.truncated, true);
    assert.equal(cut.masked, 1);
    // A form value and an e-mail across the cap.
    const form = `${'x'.repeat(20)}&token=abcdefghijklmnop&y=1`;
    assert.equal(captureContent(Buffer.from(form), 'text/plain', 30, masker).text,
      `${'x'.repeat(20)}&token=${MASK}…[truncated, ${form.length} bytes]`);
    const mail = `${'x'.repeat(20)} bob.builder@example.org tail-tail`;
    assert.equal(captureContent(Buffer.from(mail), 'text/plain', 25, masker).text,
      `${'x'.repeat(20)} ${MASK}…[truncated, ${mail.length} bytes]`);
  });

  it('captureContent: masking that shrinks the text below the cap keeps the whole content, unmarked', () => {
    const body = `{"token":"${'t'.repeat(120)}"}`;
    const whole = captureContent(Buffer.from(body), 'application/json', 100, masker);
    assert.deepEqual(whole, { text: `{"token":"${MASK}"}`, kind: 'json', truncated: false, masked: 1, size: body.length });
  });

  it('safeText masks before capping', () => {
    const message = `${'e'.repeat(10)} password=SuperSecret-123456 and more`;
    const { text, masked } = safeText(message, 22, masker);
    assert.equal(text, `${'e'.repeat(10)} password=${MASK}…[truncated]`);
    assert.equal(masked, 1);
  });

  it('maskValue masks structured records (bridged log records): sensitive keys whole, strings by content', () => {
    const record = {
      msg: 'login by bob@example.org',
      user: { name: 'bob', password: 'hunter2', tokens: ['a'] },
      headers: { authorization: 'Bearer xyz', 'x-request-id': 'r-1' },
      list: [{ apiKey: 'k' }, 'Cookie: a=b', 3],
      ok: true,
    };
    const { value, masked } = masker.maskValue(record);
    assert.deepEqual(value, {
      msg: `login by ${MASK}`,
      user: { name: 'bob', password: MASK, tokens: ['a'] },
      headers: { authorization: MASK, 'x-request-id': 'r-1' },
      list: [{ apiKey: MASK }, `Cookie: ${MASK}`, 3],
      ok: true,
    });
    assert.equal(masked, 5);
    assert.equal(record.user.password, 'hunter2', 'the input is not changed');
    const error = new TypeError('no customer bob@example.org');
    const { value: err, masked: errMasked } = masker.maskValue({ err: error });
    const copied = (err as { err: Record<string, unknown> }).err;
    assert.equal(copied.name, 'TypeError');
    assert.equal(copied.message, `no customer ${MASK}`);
    assert.match(copied.stack as string, /^TypeError: no customer \[MASKED\]\n/);
    assert.equal(errMasked, 2);
  });
});

describe('unit: content capture and masking', () => {
  const masker = new Masker(readConfig({}).config.maskKeys);

  it('masks e-mail, international phone, Luhn-valid card numbers and sensitive keys', () => {
    // The e-mail, phone and card sit under keys that are not sensitive: only the value patterns can mask them.
    const { text, masked } = masker.mask(
      '{"contact":"a.b@example.org","note":"call +49 30 1234567 today","ref":"4111 1111 1111 1111","password":"x","polygons":123456789,"order":"ORD-2026-000123"}');
    assert.equal(text, `{"contact":"${MASK}","note":"call ${MASK} today","ref":"${MASK}","password":"${MASK}","polygons":123456789,"order":"ORD-2026-000123"}`);
    assert.equal(masked, 4);
  });

  it('masks a sensitive key found after null, already-masked and escaped values; leaves clean JSON as it was', () => {
    const input = `{"password":null,"note":"say \\"hi\\"","secret":"${MASK}","qty":2,"apiKey":"k-123"}`;
    const { text, masked } = masker.mask(input);
    assert.equal(text, `{"password":null,"note":"say \\"hi\\"","secret":"${MASK}","qty":2,"apiKey":"${MASK}"}`);
    assert.equal(masked, 1);
    const clean = '{"orderNumber":"ORD-1","customerId":"C-1","material":"PLA"}';
    assert.equal(masker.mask(clean).text, clean);
    assert.equal(masker.mask(clean).masked, 0);
  });

  it('leaves numbers that are not card numbers alone (Luhn)', () => {
    assert.equal(masker.mask('batch 4111111111111112 ok').text, 'batch 4111111111111112 ok');
  });

  it('does not mask "company" as a card (short keys match exactly only)', () => {
    assert.equal(masker.mask('{"company":"ACME"}').text, '{"company":"ACME"}');
  });

  it('takes extra keys from FILAMENT_MASK_KEYS', () => {
    const custom = new Masker(readConfig({ FILAMENT_MASK_KEYS: 'shippingAddress' }).config.maskKeys);
    assert.equal(custom.mask('{"shippingAddress":"Main St 1"}').text, `{"shippingAddress":"${MASK}"}`);
  });

  it('classifies and caps content', () => {
    assert.equal(captureContent(undefined, undefined, 10, masker).kind, 'empty');
    assert.equal(captureContent(Buffer.from('{"a":1}'), undefined, 100, masker).kind, 'json');
    assert.equal(captureContent(Buffer.from('hello'), 'application/octet-stream', 100, masker).kind, 'binary');
    const cut = captureContent(Buffer.from('abcdefghij'), 'text/plain', 4, masker);
    assert.deepEqual(cut, { text: 'abcd…[truncated, 10 bytes]', kind: 'text', truncated: true, masked: 0, size: 10 });
    assert.equal(captureContent(Buffer.from('abc'), 'text/plain', 0, masker).text, '…[truncated, 3 bytes]');
  });

  it('decides each declared content type as its own: asked again, and after hundreds of other types', () => {
    // Bytes with a NUL: binary unless the declared type says text.
    const nul = Buffer.from('a\u0000b');
    const kinds = (): string[] => [
      captureContent(Buffer.from('hello'), 'application/octet-stream', 100, masker).kind,
      captureContent(nul, 'text/plain', 100, masker).kind,
      captureContent(nul, 'application/x-custom', 100, masker).kind,
      captureContent(Buffer.from('{"a":1}'), 'application/x-custom', 100, masker).kind,
      captureContent(Buffer.from('{"a":1}'), 'application/vnd.api+json', 100, masker).kind,
      captureContent(Buffer.from('{"a":1}'), 'image/png', 100, masker).kind,
    ];
    const expected = ['binary', 'text', 'binary', 'json', 'json', 'binary'];
    assert.deepEqual(kinds(), expected);
    assert.deepEqual(kinds(), expected);
    for (let i = 0; i < 600; i++) captureContent(nul, i % 2 === 0 ? `text/x-${i}` : `model/x-${i}`, 100, masker);
    assert.deepEqual(kinds(), expected);
  });
});

describe('unit: the JSON key scanner (jsonKeyAt) against the regex it replaced', () => {
  const JSON_KEY = /"([^"\\]{1,64})"(\s*:\s*)(?:"(?:[^"\\]|\\.)*")?/g;

  /** Every match as [key start, key, value start, match end], resuming after each match, by the regex. */
  function byRegex(text: string): [number, string, number, number][] {
    const found: [number, string, number, number][] = [];
    JSON_KEY.lastIndex = 0;
    for (let m = JSON_KEY.exec(text); m !== null; m = JSON_KEY.exec(text)) {
      const key = m[1] as string;
      found.push([m.index, key, m.index + key.length + 2 + (m[2] as string).length, m.index + m[0].length]);
    }
    return found;
  }

  /** The same, by the scanner. */
  function byScanner(text: string): [number, string, number, number][] {
    const found: [number, string, number, number][] = [];
    const key: JsonKey = { keyEnd: 0, valueStart: 0, matchEnd: 0, keyHash: 0 };
    for (let quote = text.indexOf('"'); quote !== -1;) {
      if (jsonKeyAt(text, quote, key)) {
        found.push([quote, text.slice(quote + 1, key.keyEnd), key.valueStart, key.matchEnd]);
        quote = text.indexOf('"', key.matchEnd);
      } else {
        quote = text.indexOf('"', quote + 1);
      }
    }
    return found;
  }

  it('finds the same keys, value starts and match ends on random JSON-like text', () => {
    // Quotes, escapes, colons, every kind of white space and line terminator, multi-byte characters.
    const alphabet = ['"', '"', '"', '\\', ':', ':', ' ', '\t', '\n', '\r', '\u00a0', '\u2003', '\u2028', '\ufeff', 'a', 'k', 'ü', '日', '{', '}', ',', '1'];
    let seed = 42;
    const random = (n: number): number => {
      // An LCG's low bits repeat quickly: take the high ones.
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return Math.floor(seed / 65536) % n;
    };
    for (let t = 0; t < 20000; t++) {
      let text = '';
      const length = random(40);
      for (let i = 0; i < length; i++) text += alphabet[random(alphabet.length)];
      assert.deepEqual(byScanner(text), byRegex(text), JSON.stringify(text));
    }
    // An escape before a line terminator ends the regex's string (its `.` does not match one); cut-off values.
    for (const text of ['{"k":"a\\\nb","p":"c"}', '{"k":"a\\\u2028b"}', '{"k":"a\\\rb":"q"}', '{"k":"\\', '{"k":"abc', '{"k" :\u3000"\\""}']) {
      assert.deepEqual(byScanner(text), byRegex(text), JSON.stringify(text));
    }
    const long = `{"${'k'.repeat(64)}":1,"${'k'.repeat(65)}":2,"${'k'.repeat(63)}\\":3}`;
    assert.deepEqual(byScanner(long), byRegex(long));
    assert.equal(byScanner(long).length, 1);
  });

  it('keys remembered by hash are compared in full: two keys with the same hash keep their own decisions', () => {
    // "Aa" and "BB" share the hash jsonKeyAt computes (31·65 + 97 = 31·66 + 66).
    const masker = new Masker(['aa']);
    assert.equal(masker.mask('{"BB":"x","Aa":"y","BB":"z","Aa":"w"}').text, `{"BB":"x","Aa":"${MASK}","BB":"z","Aa":"${MASK}"}`);
    assert.equal(masker.mask('{"Aa":"y","BB":"x"}').text, `{"Aa":"${MASK}","BB":"x"}`);
  });

  it('captureContent output is unchanged on the tricky inputs (as the regex version wrote it)', () => {
    const masker = new Masker(readConfig({}).config.maskKeys);
    const cases: [string, Buffer, string | undefined, number, CapturedContent][] = [
    ['UTF-8 text and PII keys', Buffer.from('{"name":"Jürgen Müller","password":"pässwörd","note":"日本語 ✓","email":"jü@example.org"}'), 'application/json', 4096,
      {"text":"{\"name\":\"Jürgen Müller\",\"password\":\"[MASKED]\",\"note\":\"日本語 ✓\",\"email\":\"[MASKED]\"}","kind":"json","truncated":false,"masked":2,"size":99}],
    ['a secret across the cap (truncation marker)', Buffer.from('{"orderNumber":"ORD-1","note":"ümlaut","apiKey":"abcdefghijklmnop","customerId":"C-1"}'), 'application/json', 50,
      {"text":"{\"orderNumber\":\"ORD-1\",\"note\":\"ümlaut\",\"apiKey\":\"…[truncated, 87 bytes]","kind":"json","truncated":true,"masked":0,"size":87}],
    ['Unicode white space around colons, escapes before a line break, values of every type', Buffer.from('{"token"\u00a0:\u2003"abc","x":"a\\\nb","apiKey" : 12, "secret"\n:\t{"a":[1,"}"]},"pin":"1\\"2"}'), 'application/json', 4096,
      {"text":"{\"token\" : \"[MASKED]\",\"x\":\"a\\\nb\",\"apiKey\" : \"[MASKED]\", \"secret\"\n:\t\"[MASKED]\",\"pin\":\"[MASKED]\"}","kind":"json","truncated":false,"masked":4,"size":84}],
    ['non-JSON text', Buffer.from('user=bob password=hunter2 "secret": 12 Authorization: Bearer abcdefghijk'), 'text/plain', 4096,
      {"text":"user=bob password=[MASKED] \"secret\": \"[MASKED]\" Authorization: [MASKED]","kind":"text","truncated":false,"masked":3,"size":72}],
    ['keys of 64 and 65 characters', Buffer.from(`{"${'a'.repeat(56)}password":"x","${'a'.repeat(57)}password":"y"}`), undefined, 4096,
      {"text":"{\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaapassword\":\"[MASKED]\",\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaapassword\":\"y\"}","kind":"json","truncated":false,"masked":1,"size":144}],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0x70, 0x69, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), 'application/json', 4096,
      {"text":"{\"pin\":\"[MASKED]\"}","kind":"json","truncated":false,"masked":1,"size":12}],
    ];
    for (const [name, content, contentType, maxBytes, expected] of cases) {
      assert.deepEqual(captureContent(content, contentType, maxBytes, masker), expected, name);
    }
  });
});
