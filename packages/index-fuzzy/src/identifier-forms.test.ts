import { describe, expect, it } from 'vitest';
import { identifierWords, normalizeIdentifier } from './identifier-forms.js';

describe('identifier forms', () => {
  it.each([
    ['createUser', ['create', 'user']],
    ['CreateUser', ['create', 'user']],
    ['create_user', ['create', 'user']],
    ['CREATE_USER', ['create', 'user']],
    ['parseHTTPRequest', ['parse', 'http', 'request']],
    ['ChunkStore.save', ['chunk', 'store', 'save']],
    ['sha256Hex', ['sha', '256', 'hex']],
    ['kebab-case-name', ['kebab', 'case', 'name']],
  ])('%s -> %j', (input, words) => {
    expect(identifierWords(input)).toEqual(words);
    expect(normalizeIdentifier(input)).toBe(words.join(''));
  });
});
