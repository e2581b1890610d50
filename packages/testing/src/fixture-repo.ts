import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * A small multi-language repository for end-to-end tests: a TypeScript class hierarchy with
 * calls across files, Python and Go files, Markdown docs, Korean comments and emoji, and an
 * ignored folder. Each entry of `FIXTURE_EXPECTATIONS` names a query aimed at one index and the
 * chunk it must rank first.
 */
export const FIXTURE_FILES: Record<string, string> = {
  'src/accounts/user-service.ts': [
    "import { hashPassword } from '../crypto/hash';",
    "import { BaseService } from './base-service';",
    '',
    '/** Creates and removes user accounts. */',
    'export class UserService extends BaseService {',
    '  /** Registers a new user with a hashed password. */',
    '  createUser(name: string, password: string) {',
    '    this.audit("create");',
    '    return { name, hash: hashPassword(password) };',
    '  }',
    '',
    '  deleteUser(id: string) {',
    '    this.audit("delete");',
    '    return id;',
    '  }',
    '}',
    '',
  ].join('\n'),
  'src/accounts/base-service.ts': [
    'export abstract class BaseService {',
    '  protected audit(action: string) {',
    '    // 감사 로그를 남긴다 🐟',
    '    console.log(`audit: ${action}`);',
    '  }',
    '}',
    '',
  ].join('\n'),
  'src/crypto/hash.ts': [
    '/** One-way hash for passwords (demo only). */',
    'export function hashPassword(password: string): string {',
    "  return password.split('').reverse().join('') + ':salted';",
    '}',
    '',
  ].join('\n'),
  'tools/report.py': [
    'def summarize_invoices(invoices):',
    '    """Total the amounts of a list of invoices."""',
    '    return sum(i["amount"] for i in invoices)',
    '',
    '',
    'class InvoiceExporter:',
    '    def export_csv(self, invoices):',
    '        return "\\n".join(str(summarize_invoices(invoices)))',
    '',
  ].join('\n'),
  'cmd/server/main.go': [
    'package main',
    '',
    'import "fmt"',
    '',
    '// StartHTTPServer listens on the given port.',
    'func StartHTTPServer(port int) {',
    '\tfmt.Printf("listening on %d\\n", port)',
    '}',
    '',
    'func main() {',
    '\tStartHTTPServer(8080)',
    '}',
    '',
  ].join('\n'),
  'docs/onboarding.md': [
    '# Onboarding',
    '',
    '## Inviting members',
    '',
    'New members are invited by email and must confirm their address within seven days.',
    '',
    '## Billing',
    '',
    'Invoices are issued monthly; see summarize_invoices for totals.',
    '',
  ].join('\n'),
  '.gitignore': 'generated/\n',
  'generated/skip-me.ts': 'export const generated = "should never be indexed";\n',
};

/** Query -> where the top hit must be, per query type. */
export const FIXTURE_EXPECTATIONS = [
  { type: 'identifier', query: 'createUser', file: 'src/accounts/user-service.ts', name: 'createUser' },
  { type: 'typo', query: 'craeteUser', file: 'src/accounts/user-service.ts', name: 'createUser' },
  { type: 'natural language', query: 'invited by email', file: 'docs/onboarding.md', name: null },
  { type: 'regex', query: '/hash[A-Z]\\w+\\(password\\)/', file: 'src/accounts/user-service.ts', name: 'createUser' },
  { type: 'literal', query: '"listening on"', file: 'cmd/server/main.go', name: 'StartHTTPServer' },
  { type: 'python identifier', query: 'summarize_invoices', file: 'tools/report.py', name: 'summarize_invoices' },
  { type: 'non-ASCII', query: '감사 로그', file: 'src/accounts/base-service.ts', name: 'audit' },
] as const;

export async function writeFixtureRepo(root: string, files: Record<string, string> = FIXTURE_FILES): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
}
