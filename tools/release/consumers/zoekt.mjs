// ESM consumer of the published @trawl/zoekt: build queries, construct a client (no server needed).
import { ZoektClient, literalQuery, buildZoektQuery } from '@trawl/zoekt';
import assert from 'node:assert/strict';

assert.equal(typeof literalQuery('a.b(c)'), 'string');
assert.equal(typeof buildZoektQuery({ pattern: 'needle', repositories: ['app'] }), 'string');
const client = new ZoektClient({ url: 'http://127.0.0.1:9' });
await client.close();
assert.throws(() => new ZoektClient({ url: 'not a url' }), /invalid Zoekt URL/);
console.log('esm consumer: @trawl/zoekt works');
