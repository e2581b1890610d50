import { InvalidQueryError } from './errors.js';

// The language of a file from its name, as Trawl names languages everywhere: the parser's chunks
// and files, the catalog, and the lexical indexes' `languages` filter.

const BY_EXTENSION: Record<string, string> = {
  '.ts': 'typescript',
  '.mts': 'typescript',
  '.cts': 'typescript',
  '.tsx': 'tsx',
  '.js': 'javascript',
  '.mjs': 'javascript',
  '.cjs': 'javascript',
  '.jsx': 'javascript',
  '.py': 'python',
  '.pyi': 'python',
  '.go': 'go',
  '.java': 'java',
  '.rs': 'rust',
  '.c': 'c',
  '.h': 'c',
  '.cc': 'cpp',
  '.cpp': 'cpp',
  '.cxx': 'cpp',
  '.c++': 'cpp',
  '.hh': 'cpp',
  '.hpp': 'cpp',
  '.hxx': 'cpp',
  '.h++': 'cpp',
  '.ipp': 'cpp',
  '.cs': 'csharp',
  '.rb': 'ruby',
  '.rake': 'ruby',
  '.gemspec': 'ruby',
  '.php': 'php',
  // Text languages: a file chunk (and line-window blocks when large), no symbols.
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.mdx': 'markdown',
  '.rst': 'restructuredtext',
  '.txt': 'text',
  '.adoc': 'asciidoc',
  '.json': 'json',
  '.jsonc': 'json',
  '.json5': 'json',
  '.yaml': 'yaml',
  '.yml': 'yaml',
  '.toml': 'toml',
  '.ini': 'ini',
  '.cfg': 'ini',
  '.xml': 'xml',
  '.html': 'html',
  '.htm': 'html',
  '.css': 'css',
  '.scss': 'scss',
  '.less': 'less',
  '.sql': 'sql',
  '.sh': 'shell',
  '.bash': 'shell',
  '.zsh': 'shell',
  '.ps1': 'powershell',
  '.proto': 'protobuf',
  '.graphql': 'graphql',
  '.gql': 'graphql',
  '.kt': 'kotlin',
  '.kts': 'kotlin',
  '.swift': 'swift',
  '.scala': 'scala',
  '.lua': 'lua',
  '.pl': 'perl',
  '.r': 'r',
  '.dart': 'dart',
  '.ex': 'elixir',
  '.exs': 'elixir',
  '.erl': 'erlang',
  '.hs': 'haskell',
  '.vue': 'vue',
  '.svelte': 'svelte',
  '.tf': 'hcl',
  '.hcl': 'hcl',
};

const BY_FILENAME: Record<string, string> = {
  Dockerfile: 'dockerfile',
  Makefile: 'make',
  GNUmakefile: 'make',
  Rakefile: 'ruby',
  Gemfile: 'ruby',
  Jenkinsfile: 'groovy',
  'CMakeLists.txt': 'cmake',
};

/**
 * The language of a file from its name: a language a tree-sitter grammar parses (`typescript`,
 * `python`, `cpp`...), a text language (`markdown`, `json`, ...) otherwise, or `null` when the name
 * says nothing.
 *
 * ```ts
 * detectLanguage('src/app.tsx') // 'tsx'
 * detectLanguage('README.md')   // 'markdown'
 * ```
 */
export function detectLanguage(path: string): string | null {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const byName = BY_FILENAME[name];
  if (byName) return byName;
  if (name.startsWith('Dockerfile.')) return 'dockerfile';
  const dot = name.lastIndexOf('.');
  return dot > 0 ? (BY_EXTENSION[name.slice(dot).toLowerCase()] ?? null) : null;
}

/** Every language {@link detectLanguage} can name. */
export const KNOWN_LANGUAGES: readonly string[] = [...new Set([...Object.values(BY_EXTENSION), ...Object.values(BY_FILENAME), 'dockerfile'])].sort();

/** `languages` in lower case, each checked: an unknown one is an InvalidQueryError listing the known ones. */
export function knownLanguages(languages: readonly string[]): string[] {
  return languages.map((language) => {
    const id = typeof language === 'string' ? language.toLowerCase() : '';
    if (!KNOWN_LANGUAGES.includes(id)) {
      throw new InvalidQueryError(`unknown language ${JSON.stringify(language)}: use one of ${KNOWN_LANGUAGES.join(', ')}`, { component: 'search', context: { language } });
    }
    return id;
  });
}

/**
 * A regex (read alike by RE2, PostgreSQL and JavaScript) matching the paths {@link detectLanguage}
 * gives one of `languages` (ignoring case), for a search backend that cannot filter by Trawl's
 * language itself (Zoekt names languages its own way: a `.h` file is C++ there when it looks
 * like C++). An unknown language is an InvalidQueryError listing the known ones.
 */
export function languagePathPattern(languages: readonly string[]): string {
  const wanted = new Set(knownLanguages(languages));
  const anyCase = (text: string) => text.replace(/[a-z]/gi, (c) => `[${c.toLowerCase()}${c.toUpperCase()}]`).replace(/[.+]/g, (c) => `\\${c}`);
  const extensions = Object.entries(BY_EXTENSION).filter(([, id]) => wanted.has(id)).map(([ext]) => anyCase(ext));
  const names = Object.entries(BY_FILENAME).filter(([, id]) => wanted.has(id)).map(([name]) => name.replace(/[.+]/g, (c) => `\\${c}`));
  const alternatives: string[] = [];
  if (names.length) alternatives.push(`(?:^|/)(?:${names.join('|')})$`);
  if (wanted.has('dockerfile')) alternatives.push('(?:^|/)Dockerfile\\.[^/]*$');
  // (a file named by BY_FILENAME is that language whatever its extension, as detectLanguage says)
  if (extensions.length) alternatives.push(`(?:^|/)[^/]*[^/.][^/]*(?:${extensions.join('|')})$`);
  return alternatives.length ? alternatives.join('|') : '$^';
}
