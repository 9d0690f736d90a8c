import assert from 'node:assert/strict';
import { readConfig } from '../src/config';
import { Masker, MASK } from '../src/masking';
import { exportedUrlPath, MAX_URL_PATH_CHARS, URL_PATH_TRUNCATED } from '../src/http/urlPath';

describe('unit: url.path as exported (masked like content, capped)', () => {
  const masker = new Masker(readConfig({}).config.maskKeys);
  const path = (p: string): string => exportedUrlPath(p, masker);

  it('leaves ordinary paths as they are, encoding included', () => {
    for (const p of ['/', '/orders/ORD-2026-000123/status', '/v1/models/price', '/files/report%202026.pdf', '/auth', '/a//b/']) {
      assert.equal(path(p), p);
    }
  });

  it('masks what content masking masks in free text, on the percent-decoded path', () => {
    assert.equal(path('/customers/alice@example.com/orders'), `/customers/${MASK}/orders`);
    assert.equal(path('/customers/bob%40example.org/orders'), `/customers/${MASK}/orders`);
    assert.equal(path('/callback/+49%2030%201234567'), `/callback/${MASK}`);
    assert.equal(path('/pay/4111111111111111/confirm'), `/pay/${MASK}/confirm`);
    assert.equal(path('/x;jsessionid=ABC123;v=2'), `/x;jsessionid=${MASK};v=2`);
    // A malformed escape does not stop the decoding of the others.
    assert.equal(path('/c/bob%40example.org/%E0%A4%A'), `/c/${MASK}/%E0%A4%A`);
  });

  it('masks the segment after a segment that is a sensitive key (the path\'s key=value)', () => {
    assert.equal(path('/password-reset/8f14e45fceea167a5a36dedd4bea2543'), `/password-reset/${MASK}`);
    assert.equal(path('/users/7/api-key/k-1/rotate'), `/users/7/api-key/${MASK}/rotate`);
    assert.equal(path('/token/abc/token/def'), `/token/${MASK}/token/${MASK}`);
    assert.equal(path('/tokens/list'), '/tokens/list');
    assert.equal(path('/password/'), '/password/');
  });

  it('caps at 1024 characters with the marker; never half a [MASKED] or a surrogate pair; masks before cutting', () => {
    const keep = MAX_URL_PATH_CHARS - URL_PATH_TRUNCATED.length;
    const long = `/${'a'.repeat(20000)}`;
    assert.equal(path(long), `${long.slice(0, keep)}${URL_PATH_TRUNCATED}`);
    assert.equal(path(long).length, MAX_URL_PATH_CHARS);
    assert.equal(path(`/${'a'.repeat(1022)}`), `/${'a'.repeat(1022)}`);
    // An e-mail across the cut: masked first, and the mask is not cut in half.
    const straddle = `/${'a'.repeat(keep - 4)}/alice@example.com/${'b'.repeat(500)}`;
    assert.equal(path(straddle), `/${'a'.repeat(keep - 4)}/${URL_PATH_TRUNCATED}`);
    const emoji = `/${'a'.repeat(keep - 2)}\u{1F600}${'b'.repeat(100)}`;
    assert.equal(path(emoji), `/${'a'.repeat(keep - 2)}${URL_PATH_TRUNCATED}`);
  });
});
