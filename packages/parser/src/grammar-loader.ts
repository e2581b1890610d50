import { createRequire } from 'node:module';
import { BackendUnavailableError } from '@trawl/core';
import { Language, Parser } from 'web-tree-sitter';
import type { GrammarLanguage } from './languages.js';

const require = createRequire(import.meta.url);

/** Where each grammar's wasm comes from: npm packages installed with the parser, never a download. */
const GRAMMAR_FILES: Record<GrammarLanguage, string> = {
  typescript: '@vscode/tree-sitter-wasm/wasm/tree-sitter-typescript.wasm',
  tsx: '@vscode/tree-sitter-wasm/wasm/tree-sitter-tsx.wasm',
  javascript: '@vscode/tree-sitter-wasm/wasm/tree-sitter-javascript.wasm',
  python: '@vscode/tree-sitter-wasm/wasm/tree-sitter-python.wasm',
  go: '@vscode/tree-sitter-wasm/wasm/tree-sitter-go.wasm',
  java: '@vscode/tree-sitter-wasm/wasm/tree-sitter-java.wasm',
  rust: '@vscode/tree-sitter-wasm/wasm/tree-sitter-rust.wasm',
  cpp: '@vscode/tree-sitter-wasm/wasm/tree-sitter-cpp.wasm',
  csharp: '@vscode/tree-sitter-wasm/wasm/tree-sitter-c-sharp.wasm',
  ruby: '@vscode/tree-sitter-wasm/wasm/tree-sitter-ruby.wasm',
  php: '@vscode/tree-sitter-wasm/wasm/tree-sitter-php.wasm',
  // The vscode bundle has no C grammar; tree-sitter-c ships its own wasm.
  c: 'tree-sitter-c/tree-sitter-c.wasm',
};

let initialised: Promise<void> | null = null;
const languages = new Map<GrammarLanguage, Promise<Language>>();
const parsers = new Map<GrammarLanguage, Parser>();

/** Resolves the wasm file of a grammar inside node_modules. */
export function grammarPath(language: GrammarLanguage): string {
  try {
    return require.resolve(GRAMMAR_FILES[language]);
  } catch (cause) {
    throw new BackendUnavailableError(
      `the ${language} grammar (${GRAMMAR_FILES[language]}) is not installed; reinstall @trawl/parser's dependencies`,
      { component: 'parser', cause },
    );
  }
}

/** Loads a grammar the first time it is asked for, once per process (concurrent callers share it). */
export function loadLanguage(language: GrammarLanguage): Promise<Language> {
  let pending = languages.get(language);
  if (!pending) {
    pending = (async () => {
      initialised ??= Parser.init();
      await initialised;
      return Language.load(grammarPath(language));
    })();
    pending.catch(() => languages.delete(language));
    languages.set(language, pending);
  }
  return pending;
}

/**
 * A parser bound to a language. Parsing is synchronous, so one parser per language is shared
 * by every caller in the process.
 */
export async function getParser(language: GrammarLanguage): Promise<Parser> {
  const lang = await loadLanguage(language);
  let parser = parsers.get(language);
  if (!parser) {
    parser = new Parser();
    parser.setLanguage(lang);
    parsers.set(language, parser);
  }
  return parser;
}
