import { basename, extname } from 'node:path';

/** Languages the parser splits into class/function chunks with a tree-sitter grammar. */
export type GrammarLanguage =
  | 'typescript'
  | 'tsx'
  | 'javascript'
  | 'python'
  | 'go'
  | 'java'
  | 'rust'
  | 'c'
  | 'cpp'
  | 'csharp'
  | 'ruby'
  | 'php';

export const GRAMMAR_LANGUAGES: readonly GrammarLanguage[] = [
  'typescript',
  'tsx',
  'javascript',
  'python',
  'go',
  'java',
  'rust',
  'c',
  'cpp',
  'csharp',
  'ruby',
  'php',
];

export function isGrammarLanguage(language: string | null | undefined): language is GrammarLanguage {
  return typeof language === 'string' && (GRAMMAR_LANGUAGES as readonly string[]).includes(language);
}

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
 * The language of a file from its name: a {@link GrammarLanguage} when a grammar parses it, a
 * text language (`markdown`, `json`, ...) otherwise, or `null` when the name says nothing.
 *
 * ```ts
 * detectLanguage('src/app.tsx') // 'tsx'
 * detectLanguage('README.md')   // 'markdown'
 * ```
 */
export function detectLanguage(path: string): string | null {
  const name = basename(path);
  const byName = BY_FILENAME[name];
  if (byName) return byName;
  if (name.startsWith('Dockerfile.')) return 'dockerfile';
  const ext = extname(name).toLowerCase();
  return BY_EXTENSION[ext] ?? null;
}

/** Extensions that are binary whatever their bytes say; the walker skips them without reading. */
export const BINARY_EXTENSIONS: ReadonlySet<string> = new Set([
  '.png', '.jpg', '.jpeg', '.gif', '.bmp', '.ico', '.icns', '.webp', '.avif', '.tif', '.tiff', '.psd',
  '.pdf', '.zip', '.gz', '.tgz', '.bz2', '.xz', '.zst', '.7z', '.rar', '.tar', '.jar', '.war', '.ear',
  '.class', '.o', '.obj', '.a', '.lib', '.so', '.dylib', '.dll', '.exe', '.bin', '.wasm', '.node',
  '.pyc', '.pyo', '.whl', '.egg', '.mp3', '.mp4', '.wav', '.ogg', '.flac', '.mov', '.avi', '.mkv', '.webm',
  '.ttf', '.otf', '.woff', '.woff2', '.eot', '.sqlite', '.db', '.kuzu', '.parquet', '.arrow', '.pack', '.idx',
]);
