// CommonJS consumer of the published @trawl/zoekt.
const { ZoektClient, literalQuery } = require('@trawl/zoekt');
const assert = require('node:assert/strict');

assert.equal(typeof literalQuery('x'), 'string');
assert.throws(() => new ZoektClient({ url: 'ftp://host' }), /http or https/);
console.log('cjs consumer: @trawl/zoekt works');
