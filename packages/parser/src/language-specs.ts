import type { ChunkKind, SymbolKind, Visibility } from '@trawl/core';
import type { Node } from 'web-tree-sitter';
import type { GrammarLanguage } from './languages.js';

/** What the enclosing definition looks like, for rules that depend on nesting. */
export interface SpecScope {
  kind: ChunkKind | null;
  symbolKind: SymbolKind | null;
  name: string | null;
  /** Current access label inside a class body (C++ `public:`, Ruby `private`). */
  access: Visibility | null;
}

/** One definition a node introduces. */
export interface DefinitionInfo {
  kind: ChunkKind;
  symbolKind: SymbolKind;
  name: string;
  /** The node whose span (and leading comments) the chunk takes: export wrappers, decorators, templates. */
  span: Node;
  visibility: Visibility;
  extends?: string[];
  implements?: string[];
  /** False for declarations that are symbols but not worth a chunk (interface method signatures). */
  chunk?: boolean;
  /** Owner named by the syntax rather than by nesting (Go receivers, C++ `Foo::bar`, Rust impl). */
  ownerName?: string;
  /** For containers that are not symbols themselves (a Rust `impl` block). */
  noSymbol?: boolean;
  /** Docstring found inside the body (Python). */
  docstring?: string | null;
}

/** An import as written: `local` names the binding in this file, `imported` the name in the module. */
export interface ImportInfo {
  source: string;
  /** `*` as `imported`: a namespace binding; `*` as `local`: every export lands in scope. */
  bindings: { local: string; imported: string }[];
}

export interface CallInfo {
  /** The callee as written, segments joined with `.` (`this.go`, `ns.util`, `Helper.run`). */
  target: string;
}

export interface LanguageSpec {
  language: GrammarLanguage;
  definitionTypes: ReadonlySet<string>;
  definition(node: Node, scope: SpecScope): DefinitionInfo | null;
  callTypes: ReadonlySet<string>;
  call(node: Node): CallInfo | null;
  importTypes: ReadonlySet<string>;
  imports(node: Node): ImportInfo[] | ImportInfo | null;
  /** Node types that name a type where it is used (reference edges). */
  referenceTypes: ReadonlySet<string>;
  /** Node types that change the access of what follows inside a class body. */
  accessTypes?: ReadonlySet<string>;
  access?(node: Node): Visibility | null;
  /** Access of members that carry no modifier. */
  defaultMemberVisibility?(scope: SpecScope): Visibility;
}

const set = (...items: string[]): ReadonlySet<string> => new Set(items);

function field(node: Node, name: string): Node | null {
  return node.childForFieldName(name);
}

function text(node: Node | null | undefined): string | null {
  return node ? node.text : null;
}

function namedChildren(node: Node): Node[] {
  return node.namedChildren.filter((c): c is Node => c !== null);
}

function stripQuotes(value: string): string {
  return value.replace(/^['"`<]|['"`>]$/g, '');
}

/** Collapses a member-access chain into dotted text: `this.a.b`, `ns::f` -> `ns.f`. */
function dotted(node: Node | null): string | null {
  if (!node) return null;
  return node.text.replace(/\s+/g, '').replace(/(::|->|\?\.|\\)/g, '.').replace(/^\.+/, '');
}

function isClassLike(kind: ChunkKind | null): boolean {
  return kind === 'class' || kind === 'interface' || kind === 'struct' || kind === 'enum' || kind === 'trait' || kind === 'type';
}

const CLASS_SYMBOL: Record<string, SymbolKind> = {
  class: 'class',
  interface: 'interface',
  struct: 'struct',
  enum: 'enum',
  trait: 'trait',
  type: 'type',
  namespace: 'namespace',
};

function classDef(kind: ChunkKind, name: string | null, span: Node, visibility: Visibility, extra: Partial<DefinitionInfo> = {}): DefinitionInfo | null {
  if (!name) return null;
  return { kind, symbolKind: CLASS_SYMBOL[kind] ?? 'class', name, span, visibility, ...extra };
}

function functionDef(name: string | null, span: Node, scope: SpecScope, visibility: Visibility, extra: Partial<DefinitionInfo> = {}): DefinitionInfo | null {
  if (!name) return null;
  const isMethod = isClassLike(scope.kind) || extra.ownerName !== undefined;
  return { kind: isMethod ? 'method' : 'function', symbolKind: isMethod ? 'method' : 'function', name, span, visibility, ...extra };
}

// ---------------------------------------------------------------------------------------------
// TypeScript, TSX, JavaScript

function jsWrapper(node: Node): { span: Node; exported: boolean } {
  let span = node;
  let exported = false;
  let parent = node.parent;
  // `export const f = () => {}`: declarator < lexical_declaration < export_statement
  if (node.type === 'variable_declarator' && parent && (parent.type === 'lexical_declaration' || parent.type === 'variable_declaration')) {
    if (parent.namedChildCount === 1) span = parent;
    parent = parent.parent;
  }
  if (parent?.type === 'export_statement') {
    exported = true;
    if (span !== node || node.type !== 'variable_declarator') span = parent;
  }
  if (node.type === 'internal_module' && parent?.type === 'expression_statement') span = parent;
  return { span, exported };
}

function jsMemberVisibility(node: Node): Visibility {
  for (const c of namedChildren(node)) {
    if (c.type === 'accessibility_modifier') {
      const t = c.text;
      return t === 'private' ? 'private' : t === 'protected' ? 'protected' : 'public';
    }
  }
  const name = field(node, 'name');
  if (name?.type === 'private_property_identifier') return 'private';
  return 'public';
}

function jsHeritage(node: Node): { extends: string[]; implements: string[] } {
  const ext: string[] = [];
  const impl: string[] = [];
  for (const c of namedChildren(node)) {
    if (c.type === 'class_heritage') {
      for (const h of namedChildren(c)) {
        if (h.type === 'extends_clause') {
          for (const v of h.childrenForFieldName('value')) if (v) ext.push(dotted(v)!);
        } else if (h.type === 'implements_clause') {
          for (const t of namedChildren(h)) impl.push(typeName(t));
        } else {
          ext.push(dotted(h)!); // JavaScript: class_heritage holds the expression directly
        }
      }
    } else if (c.type === 'extends_type_clause') {
      for (const t of c.childrenForFieldName('type')) if (t) ext.push(typeName(t));
    }
  }
  return { extends: ext.filter(Boolean), implements: impl.filter(Boolean) };
}

/** `Foo<T>` -> `Foo`, `a.B` -> `a.B`. */
function typeName(node: Node): string {
  if (node.type === 'generic_type') {
    const inner = field(node, 'name') ?? node.namedChild(0);
    return inner ? typeName(inner) : node.text;
  }
  return dotted(node) ?? node.text;
}

function isFunctionValue(node: Node | null): boolean {
  return !!node && (node.type === 'arrow_function' || node.type === 'function_expression' || node.type === 'function' || node.type === 'generator_function');
}

function makeJsSpec(language: 'typescript' | 'tsx' | 'javascript'): LanguageSpec {
  return {
    language,
    definitionTypes: set(
      'class_declaration',
      'abstract_class_declaration',
      'class',
      'interface_declaration',
      'enum_declaration',
      'type_alias_declaration',
      'function_declaration',
      'generator_function_declaration',
      'method_definition',
      'method_signature',
      'abstract_method_signature',
      'variable_declarator',
      'public_field_definition',
      'field_definition',
      'internal_module',
      'module',
    ),
    definition(node, scope) {
      const { span, exported } = jsWrapper(node);
      const topVis: Visibility = exported ? 'public' : scope.kind === null ? 'private' : 'public';
      const name = text(field(node, 'name'));
      switch (node.type) {
        case 'class_declaration':
        case 'abstract_class_declaration':
          return classDef('class', name, span, topVis, jsHeritage(node));
        case 'class': {
          // `static Builder = class { ... }`, `const Foo = class { ... }`: named by the holder.
          const holder = node.parent;
          if (name || !holder || (holder.type !== 'public_field_definition' && holder.type !== 'field_definition' && holder.type !== 'variable_declarator')) {
            return classDef('class', name, span, topVis, jsHeritage(node));
          }
          const holderName = text(field(holder, 'name') ?? field(holder, 'property'));
          const wrapped = holder.type === 'variable_declarator' ? jsWrapper(holder) : { span: holder, exported: false };
          const vis = holder.type === 'variable_declarator' ? (wrapped.exported ? 'public' : scope.kind === null ? 'private' : 'public') : jsMemberVisibility(holder);
          return classDef('class', holderName, wrapped.span, vis, jsHeritage(node));
        }
        case 'interface_declaration': {
          const h = jsHeritage(node);
          return classDef('interface', name, span, topVis, { extends: h.extends });
        }
        case 'enum_declaration':
          return classDef('enum', name, span, topVis);
        case 'type_alias_declaration':
          return classDef('type', name, span, topVis);
        case 'internal_module':
        case 'module':
          return classDef('namespace', name ? stripQuotes(name) : null, span, topVis);
        case 'function_declaration':
        case 'generator_function_declaration':
          return functionDef(name, span, scope, topVis);
        case 'method_definition':
          return functionDef(name, span, scope, jsMemberVisibility(node), name === 'constructor' ? { symbolKind: 'constructor' } : {});
        case 'method_signature':
        case 'abstract_method_signature':
          return functionDef(name, span, scope, jsMemberVisibility(node), { chunk: false });
        case 'public_field_definition':
        case 'field_definition': {
          const value = field(node, 'value');
          if (!isFunctionValue(value)) return null;
          return functionDef(name ?? text(field(node, 'property')), span, scope, jsMemberVisibility(node));
        }
        case 'variable_declarator': {
          if (!isFunctionValue(field(node, 'value'))) return null;
          const n = field(node, 'name');
          if (n?.type !== 'identifier') return null;
          return functionDef(n.text, span, scope.kind === null ? scope : { ...scope, kind: null }, topVis);
        }
      }
      return null;
    },
    callTypes: language === 'typescript' ? set('call_expression', 'new_expression') : set('call_expression', 'new_expression', 'jsx_opening_element', 'jsx_self_closing_element'),
    call(node) {
      if (node.type === 'jsx_opening_element' || node.type === 'jsx_self_closing_element') {
        // `<Button />` renders (calls) the component; lower-case tags are HTML elements.
        const tag = field(node, 'name');
        return tag && /^[A-Z]/.test(tag.text) && (tag.type === 'identifier' || tag.type === 'member_expression') ? { target: dotted(tag)! } : null;
      }
      const callee = node.type === 'new_expression' ? field(node, 'constructor') : field(node, 'function');
      if (!callee) return null;
      if (callee.type === 'identifier' && callee.text === 'require') return null;
      if (callee.type !== 'identifier' && callee.type !== 'member_expression') return null;
      return { target: dotted(callee)! };
    },
    importTypes: set('import_statement', 'call_expression', 'export_statement'),
    imports(node) {
      if (node.type === 'call_expression') {
        const fn = field(node, 'function');
        if (fn?.type !== 'identifier' || fn.text !== 'require') return null;
        const arg = field(node, 'arguments')?.namedChild(0);
        if (arg?.type !== 'string') return null;
        const source = stripQuotes(arg.text);
        const decl = node.parent?.type === 'variable_declarator' ? node.parent : null;
        const local = decl ? field(decl, 'name') : null;
        const bindings: ImportInfo['bindings'] = [];
        if (local?.type === 'identifier') bindings.push({ local: local.text, imported: '*' });
        else if (local?.type === 'object_pattern') {
          for (const p of namedChildren(local)) {
            if (p.type === 'shorthand_property_identifier_pattern') bindings.push({ local: p.text, imported: p.text });
            else if (p.type === 'pair_pattern') {
              const k = text(field(p, 'key'));
              const v = text(field(p, 'value'));
              if (k && v) bindings.push({ local: v, imported: k });
            }
          }
        }
        return { source, bindings };
      }
      const sourceNode = field(node, 'source');
      if (!sourceNode) return null;
      const source = stripQuotes(sourceNode.text);
      const bindings: ImportInfo['bindings'] = [];
      if (node.type === 'export_statement') {
        // `export { a } from './x'` / `export * from './x'`: re-exports
        return { source, bindings: [{ local: '*', imported: '*' }] };
      }
      for (const clause of namedChildren(node)) {
        if (clause.type !== 'import_clause') continue;
        for (const c of namedChildren(clause)) {
          if (c.type === 'identifier') bindings.push({ local: c.text, imported: 'default' });
          else if (c.type === 'namespace_import') {
            const id = c.namedChild(0);
            if (id) bindings.push({ local: id.text, imported: '*' });
          } else if (c.type === 'named_imports') {
            for (const s of namedChildren(c)) {
              if (s.type !== 'import_specifier') continue;
              const n = text(field(s, 'name'));
              const a = text(field(s, 'alias'));
              if (n) bindings.push({ local: a ?? n, imported: n });
            }
          }
        }
      }
      return { source, bindings };
    },
    referenceTypes: language === 'javascript' ? set() : set('type_identifier'),
  };
}

// ---------------------------------------------------------------------------------------------
// Python

function pythonVisibility(name: string): Visibility {
  if (name.startsWith('__') && name.endsWith('__')) return 'public';
  if (name.startsWith('__')) return 'private';
  if (name.startsWith('_')) return 'internal';
  return 'public';
}

function pythonDocstring(node: Node): string | null {
  const body = field(node, 'body');
  const first = body?.namedChild(0);
  if (first?.type !== 'expression_statement') return null;
  const str = first.namedChild(0);
  if (str?.type !== 'string') return null;
  return str.text.replace(/^[rRbBuUfF]*("""|'''|"|')/, '').replace(/("""|'''|"|')$/, '');
}

const pythonSpec: LanguageSpec = {
  language: 'python',
  definitionTypes: set('class_definition', 'function_definition'),
  definition(node, scope) {
    const name = text(field(node, 'name'));
    if (!name) return null;
    const span = node.parent?.type === 'decorated_definition' ? node.parent : node;
    const docstring = pythonDocstring(node);
    if (node.type === 'class_definition') {
      const supers = field(node, 'superclasses');
      const ext = supers ? namedChildren(supers).filter((c) => c.type === 'identifier' || c.type === 'attribute').map((c) => dotted(c)!) : [];
      return classDef('class', name, span, pythonVisibility(name), { extends: ext, docstring });
    }
    const def = functionDef(name, span, scope, pythonVisibility(name), { docstring });
    if (def && name === '__init__' && def.kind === 'method') def.symbolKind = 'constructor';
    return def;
  },
  callTypes: set('call'),
  call(node) {
    const fn = field(node, 'function');
    if (!fn || (fn.type !== 'identifier' && fn.type !== 'attribute')) return null;
    return { target: dotted(fn)! };
  },
  importTypes: set('import_statement', 'import_from_statement'),
  imports(node) {
    if (node.type === 'import_statement') {
      const out: ImportInfo[] = [];
      for (const n of node.childrenForFieldName('name')) {
        if (!n) continue;
        if (n.type === 'aliased_import') {
          const source = text(field(n, 'name')) ?? '';
          out.push({ source, bindings: [{ local: text(field(n, 'alias')) ?? source, imported: '*' }] });
        } else {
          // `import a.b` binds `a`; calls read `a.b.f()`, which the linker matches by prefix.
          out.push({ source: n.text, bindings: [{ local: n.text, imported: '*' }] });
        }
      }
      return out;
    }
    const moduleNode = field(node, 'module_name');
    if (!moduleNode) return null;
    const source = moduleNode.text;
    const bindings: ImportInfo['bindings'] = [];
    if (namedChildren(node).some((c) => c.type === 'wildcard_import')) bindings.push({ local: '*', imported: '*' });
    for (const n of node.childrenForFieldName('name')) {
      if (!n) continue;
      if (n.type === 'aliased_import') {
        const imported = text(field(n, 'name'));
        if (imported) bindings.push({ local: text(field(n, 'alias')) ?? imported, imported });
      } else bindings.push({ local: n.text, imported: n.text });
    }
    return { source, bindings };
  },
  referenceTypes: set(),
};

// ---------------------------------------------------------------------------------------------
// Go

function goVisibility(name: string): Visibility {
  return /^[A-Z]/.test(name) ? 'public' : 'internal';
}

function goReceiverType(node: Node): string | null {
  const receiver = field(node, 'receiver');
  const param = receiver?.namedChild(0);
  let type = param ? field(param, 'type') : null;
  while (type && (type.type === 'pointer_type' || type.type === 'generic_type')) type = type.type === 'pointer_type' ? type.namedChild(0) : field(type, 'type');
  return type ? type.text : null;
}

const goSpec: LanguageSpec = {
  language: 'go',
  definitionTypes: set('function_declaration', 'method_declaration', 'type_spec', 'method_elem'),
  definition(node, scope) {
    const name = text(field(node, 'name'));
    if (!name) return null;
    switch (node.type) {
      case 'function_declaration':
        return functionDef(name, node, scope, goVisibility(name));
      case 'method_declaration': {
        const owner = goReceiverType(node);
        return functionDef(name, node, scope, goVisibility(name), owner ? { ownerName: owner } : {});
      }
      case 'method_elem':
        return functionDef(name, node, scope, goVisibility(name), { chunk: false });
      case 'type_spec': {
        const type = field(node, 'type');
        const span = node.parent?.type === 'type_declaration' && node.parent.namedChildCount === 1 ? node.parent : node;
        const kind: ChunkKind = type?.type === 'struct_type' ? 'struct' : type?.type === 'interface_type' ? 'interface' : 'type';
        const ext: string[] = [];
        if (type?.type === 'struct_type') {
          const fields = type.namedChild(0);
          for (const f of fields ? namedChildren(fields) : []) {
            if (f.type === 'field_declaration' && !field(f, 'name')) {
              const t = field(f, 'type');
              if (t) ext.push(t.text.replace(/^\*/, ''));
            }
          }
        } else if (type?.type === 'interface_type') {
          for (const c of namedChildren(type)) if (c.type === 'type_elem') ext.push(c.text);
        }
        return classDef(kind, name, span, goVisibility(name), { extends: ext });
      }
    }
    return null;
  },
  callTypes: set('call_expression'),
  call(node) {
    const fn = field(node, 'function');
    if (!fn || (fn.type !== 'identifier' && fn.type !== 'selector_expression')) return null;
    return { target: dotted(fn)! };
  },
  importTypes: set('import_spec'),
  imports(node) {
    const path = field(node, 'path');
    if (!path) return null;
    const source = stripQuotes(path.text);
    const alias = text(field(node, 'name'));
    const local = alias ?? source.split('/').pop()!;
    if (local === '_') return { source, bindings: [] };
    return { source, bindings: [{ local: local === '.' ? '*' : local, imported: '*' }] };
  },
  referenceTypes: set('type_identifier'),
};

// ---------------------------------------------------------------------------------------------
// Java

function modifierVisibility(node: Node, modifierType: string, fallback: Visibility): Visibility {
  for (const c of namedChildren(node)) {
    if (c.type !== modifierType) continue;
    const t = ` ${c.text} `;
    if (/\bprivate\b/.test(t)) return 'private';
    if (/\bprotected\b/.test(t)) return 'protected';
    if (/\bpublic\b/.test(t)) return 'public';
    if (/\binternal\b/.test(t)) return 'internal';
  }
  return fallback;
}

function typeList(node: Node | null): string[] {
  if (!node) return [];
  const out: string[] = [];
  const visit = (n: Node) => {
    if (n.type === 'type_list' || n.type === 'super_interfaces' || n.type === 'superclass' || n.type === 'extends_interfaces') {
      for (const c of namedChildren(n)) visit(c);
    } else out.push(typeName(n));
  };
  visit(node);
  return out;
}

const javaSpec: LanguageSpec = {
  language: 'java',
  definitionTypes: set('class_declaration', 'interface_declaration', 'enum_declaration', 'record_declaration', 'annotation_type_declaration', 'method_declaration', 'constructor_declaration'),
  definition(node, scope) {
    const name = text(field(node, 'name'));
    const inInterface = scope.kind === 'interface';
    const vis = modifierVisibility(node, 'modifiers', inInterface ? 'public' : 'internal');
    switch (node.type) {
      case 'class_declaration':
      case 'record_declaration':
        return classDef('class', name, node, vis, { extends: typeList(field(node, 'superclass')), implements: typeList(field(node, 'interfaces')) });
      case 'interface_declaration':
      case 'annotation_type_declaration': {
        const ext = namedChildren(node).find((c) => c.type === 'extends_interfaces') ?? null;
        return classDef('interface', name, node, vis, { extends: typeList(ext) });
      }
      case 'enum_declaration':
        return classDef('enum', name, node, vis, { implements: typeList(field(node, 'interfaces')) });
      case 'method_declaration':
        return functionDef(name, node, scope, vis, field(node, 'body') ? {} : { chunk: inInterface ? false : true });
      case 'constructor_declaration':
        return functionDef(name, node, scope, vis, { symbolKind: 'constructor' });
    }
    return null;
  },
  callTypes: set('method_invocation', 'object_creation_expression'),
  call(node) {
    if (node.type === 'object_creation_expression') {
      const t = field(node, 'type');
      return t ? { target: typeName(t) } : null;
    }
    const name = text(field(node, 'name'));
    if (!name) return null;
    const object = field(node, 'object');
    return { target: object ? `${dotted(object)}.${name}` : name };
  },
  importTypes: set('import_declaration'),
  imports(node) {
    const target = namedChildren(node).find((c) => c.type === 'scoped_identifier' || c.type === 'identifier');
    if (!target) return null;
    const wildcard = namedChildren(node).some((c) => c.type === 'asterisk');
    const source = target.text;
    if (wildcard) return { source, bindings: [{ local: '*', imported: '*' }] };
    const last = source.split('.').pop()!;
    return { source, bindings: [{ local: last, imported: last }] };
  },
  referenceTypes: set('type_identifier'),
};

// ---------------------------------------------------------------------------------------------
// C#

const csharpSpec: LanguageSpec = {
  language: 'csharp',
  definitionTypes: set(
    'class_declaration',
    'interface_declaration',
    'struct_declaration',
    'enum_declaration',
    'record_declaration',
    'namespace_declaration',
    'file_scoped_namespace_declaration',
    'method_declaration',
    'constructor_declaration',
    'local_function_statement',
  ),
  definition(node, scope) {
    const nameNode = field(node, 'name');
    const name = nameNode ? dotted(nameNode) : null;
    const inInterface = scope.kind === 'interface';
    const vis = modifierVisibility(node, 'modifier', inInterface ? 'public' : isClassLike(scope.kind) ? 'private' : 'internal');
    const bases = () => {
      const list = namedChildren(node).find((c) => c.type === 'base_list');
      return list ? namedChildren(list).map((c) => typeName(c)) : [];
    };
    switch (node.type) {
      case 'class_declaration':
      case 'record_declaration':
        return classDef('class', name, node, vis, { extends: bases() });
      case 'struct_declaration':
        return classDef('struct', name, node, vis, { extends: bases() });
      case 'interface_declaration':
        return classDef('interface', name, node, vis, { extends: bases() });
      case 'enum_declaration':
        return classDef('enum', name, node, vis);
      case 'namespace_declaration':
      case 'file_scoped_namespace_declaration':
        return classDef('namespace', name, node, 'public');
      case 'method_declaration':
        return functionDef(name, node, scope, vis, field(node, 'body') || inInterface === false ? {} : { chunk: false });
      case 'constructor_declaration':
        return functionDef(name, node, scope, vis, { symbolKind: 'constructor' });
      case 'local_function_statement':
        return { kind: 'function', symbolKind: 'function', name: name ?? '', span: node, visibility: 'private' };
    }
    return null;
  },
  callTypes: set('invocation_expression', 'object_creation_expression'),
  call(node) {
    if (node.type === 'object_creation_expression') {
      const t = field(node, 'type');
      return t ? { target: typeName(t) } : null;
    }
    const fn = field(node, 'function');
    if (!fn) return null;
    if (fn.type === 'identifier') return { target: fn.text };
    if (fn.type === 'member_access_expression') {
      const name = text(field(fn, 'name'));
      const expr = field(fn, 'expression');
      if (!name) return null;
      return { target: expr ? `${dotted(expr)}.${name}` : `this.${name}` };
    }
    if (fn.type === 'generic_name') return { target: fn.namedChild(0)?.text ?? fn.text };
    return null;
  },
  importTypes: set('using_directive'),
  imports(node) {
    const target = namedChildren(node).find((c) => c.type === 'qualified_name' || c.type === 'identifier');
    if (!target) return null;
    return { source: target.text, bindings: [{ local: '*', imported: '*' }] };
  },
  referenceTypes: set(),
};

// ---------------------------------------------------------------------------------------------
// Rust

function rustVisibility(node: Node): Visibility {
  const v = namedChildren(node).find((c) => c.type === 'visibility_modifier');
  if (!v) return 'private';
  return v.text === 'pub' ? 'public' : 'internal';
}

function rustUseBindings(node: Node | null, prefix: string, out: ImportInfo['bindings'], sources: string[]): void {
  if (!node) return;
  switch (node.type) {
    case 'scoped_use_list': {
      const path = field(node, 'path');
      const p = path ? `${prefix}${path.text}::` : prefix;
      rustUseBindings(field(node, 'list'), p, out, sources);
      return;
    }
    case 'use_list':
      for (const c of namedChildren(node)) rustUseBindings(c, prefix, out, sources);
      return;
    case 'use_as_clause': {
      const path = field(node, 'path');
      const alias = text(field(node, 'alias'));
      if (path && alias) {
        const full = prefix + path.text;
        sources.push(full);
        out.push({ local: alias, imported: full.split('::').pop()! });
      }
      return;
    }
    case 'use_wildcard': {
      const full = prefix + node.text.replace(/::\*$/, '');
      sources.push(full);
      out.push({ local: '*', imported: '*' });
      return;
    }
    default: {
      const full = prefix + node.text;
      sources.push(full);
      const last = full.split('::').pop()!;
      if (last !== 'self') out.push({ local: last, imported: last });
    }
  }
}

const rustSpec: LanguageSpec = {
  language: 'rust',
  definitionTypes: set('function_item', 'function_signature_item', 'struct_item', 'enum_item', 'union_item', 'trait_item', 'impl_item', 'mod_item', 'type_item'),
  definition(node, scope) {
    const name = text(field(node, 'name'));
    const vis = rustVisibility(node);
    switch (node.type) {
      case 'function_item':
        return functionDef(name, node, scope, scope.kind === 'trait' ? 'public' : vis);
      case 'function_signature_item':
        return functionDef(name, node, scope, 'public', { chunk: false });
      case 'struct_item':
      case 'union_item':
        return classDef('struct', name, node, vis);
      case 'enum_item':
        return classDef('enum', name, node, vis);
      case 'type_item':
        return classDef('type', name, node, vis);
      case 'trait_item': {
        const bounds = field(node, 'bounds');
        return classDef('trait', name, node, vis, { extends: bounds ? namedChildren(bounds).map((b) => typeName(b)) : [] });
      }
      case 'mod_item':
        if (!field(node, 'body')) return null;
        return classDef('namespace', name, node, vis);
      case 'impl_item': {
        const type = field(node, 'type');
        const trait = field(node, 'trait');
        if (!type) return null;
        const typeText = typeName(type);
        // The impl block is a chunk that holds the methods; the symbols hang off the type itself.
        return {
          kind: 'type',
          symbolKind: 'type',
          name: typeText,
          span: node,
          visibility: 'public',
          noSymbol: true,
          ownerName: typeText,
          implements: trait ? [typeName(trait)] : [],
        };
      }
    }
    return null;
  },
  callTypes: set('call_expression'),
  call(node) {
    const fn = field(node, 'function');
    if (!fn) return null;
    if (fn.type === 'identifier' || fn.type === 'scoped_identifier' || fn.type === 'field_expression') return { target: dotted(fn)! };
    if (fn.type === 'generic_function') {
      const inner = field(fn, 'function');
      return inner ? { target: dotted(inner)! } : null;
    }
    return null;
  },
  importTypes: set('use_declaration'),
  imports(node) {
    const bindings: ImportInfo['bindings'] = [];
    const sources: string[] = [];
    rustUseBindings(field(node, 'argument'), '', bindings, sources);
    if (!sources.length) return null;
    // The module path shared by the bindings (`crate::util` for `crate::util::{a, b}`).
    const source = sources.length === 1 ? sources[0]!.split('::').slice(0, -1).join('::') || sources[0]! : commonPrefix(sources);
    return { source, bindings };
  },
  referenceTypes: set('type_identifier'),
};

function commonPrefix(paths: string[]): string {
  const split = paths.map((p) => p.split('::'));
  const out: string[] = [];
  for (let i = 0; ; i++) {
    const seg = split[0]![i];
    if (seg === undefined || split.some((s) => s[i] !== seg || s.length - 1 === i)) break;
    out.push(seg);
  }
  return out.join('::');
}

// ---------------------------------------------------------------------------------------------
// C and C++

function declaratorName(node: Node | null): { name: string; qualifier: string | null } | null {
  let d = node;
  while (d) {
    switch (d.type) {
      case 'identifier':
      case 'field_identifier':
      case 'type_identifier':
      case 'operator_name':
      case 'destructor_name':
        return { name: d.text, qualifier: null };
      case 'qualified_identifier': {
        const full = d.text.replace(/\s+/g, '');
        const parts = full.split('::');
        const name = parts.pop()!;
        return { name, qualifier: parts.length ? parts.join('.') : null };
      }
      default:
        d = field(d, 'declarator') ?? (d.type === 'parenthesized_declarator' ? d.namedChild(0) : null);
    }
  }
  return null;
}

function cBases(node: Node): string[] {
  const clause = namedChildren(node).find((c) => c.type === 'base_class_clause');
  return clause ? namedChildren(clause).filter((c) => c.type !== 'access_specifier').map((c) => typeName(c)) : [];
}

function makeCSpec(language: 'c' | 'cpp'): LanguageSpec {
  return {
    language,
    definitionTypes: set('function_definition', 'struct_specifier', 'union_specifier', 'enum_specifier', 'class_specifier', 'namespace_definition', 'type_definition'),
    definition(node, scope) {
      const inClass = isClassLike(scope.kind);
      const memberVis = (): Visibility => scope.access ?? (scope.kind === 'class' ? 'private' : 'public');
      switch (node.type) {
        case 'function_definition': {
          const dn = declaratorName(field(node, 'declarator'));
          if (!dn) return null;
          const isStatic = namedChildren(node).some((c) => c.type === 'storage_class_specifier' && c.text === 'static');
          const span = node.parent?.type === 'template_declaration' ? node.parent : node;
          const vis: Visibility = inClass ? memberVis() : isStatic ? 'private' : 'public';
          const extra: Partial<DefinitionInfo> = {};
          if (dn.qualifier && language === 'cpp') extra.ownerName = dn.qualifier.split('.').pop()!;
          return functionDef(dn.name, span, scope, vis, extra);
        }
        case 'struct_specifier':
        case 'union_specifier':
        case 'class_specifier':
        case 'enum_specifier': {
          if (!field(node, 'body')) return null; // a forward declaration or a use
          let name = text(field(node, 'name'));
          let span = node.parent?.type === 'template_declaration' ? node.parent : node;
          if (!name && node.parent?.type === 'type_definition') {
            name = text(field(node.parent, 'declarator'));
            span = node.parent;
          }
          const kind: ChunkKind = node.type === 'class_specifier' ? 'class' : node.type === 'enum_specifier' ? 'enum' : 'struct';
          return classDef(kind, name, span, inClass ? memberVis() : 'public', { extends: cBases(node) });
        }
        case 'namespace_definition':
          return classDef('namespace', text(field(node, 'name')) ?? '(anonymous)', node, 'public');
      }
      return null;
    },
    callTypes: set('call_expression', 'new_expression'),
    call(node) {
      const fn = node.type === 'new_expression' ? field(node, 'type') : field(node, 'function');
      if (!fn) return null;
      if (fn.type === 'identifier' || fn.type === 'field_expression' || fn.type === 'qualified_identifier' || fn.type === 'type_identifier') return { target: dotted(fn)! };
      if (fn.type === 'template_function') {
        const inner = field(fn, 'name');
        return inner ? { target: dotted(inner)! } : null;
      }
      return null;
    },
    importTypes: set('preproc_include'),
    imports(node) {
      const path = field(node, 'path');
      if (!path) return null;
      return { source: stripQuotes(path.text), bindings: [{ local: '*', imported: '*' }] };
    },
    referenceTypes: language === 'cpp' ? set('type_identifier') : set(),
    accessTypes: set('access_specifier'),
    access(node) {
      if (node.parent?.type !== 'field_declaration_list') return null; // not the base clause
      const t = node.text.replace(':', '').trim();
      return t === 'private' ? 'private' : t === 'protected' ? 'protected' : t === 'public' ? 'public' : null;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Ruby

const RUBY_STATEMENT_PARENTS = new Set(['body_statement', 'then', 'else', 'begin', 'block_body', 'parenthesized_statements', 'do']);
const RUBY_ACCESS = new Set(['private', 'protected', 'public', 'module_function']);

const rubySpec: LanguageSpec = {
  language: 'ruby',
  definitionTypes: set('class', 'module', 'method', 'singleton_method'),
  definition(node, scope) {
    const nameNode = field(node, 'name');
    const name = nameNode ? dotted(nameNode) : null;
    switch (node.type) {
      case 'class': {
        const sup = field(node, 'superclass');
        const base = sup?.namedChild(0);
        return classDef('class', name, node, 'public', { extends: base ? [dotted(base)!] : [] });
      }
      case 'module':
        return name ? { kind: 'namespace', symbolKind: 'module', name, span: node, visibility: 'public' } : null;
      case 'method':
      case 'singleton_method':
        return functionDef(name, node, scope, scope.access ?? 'public');
    }
    return null;
  },
  callTypes: set('call', 'identifier'),
  call(node) {
    if (node.type === 'identifier') {
      // A bare name used as a statement is a method call without arguments (`wag`).
      const parent = node.parent?.type;
      if (!parent || !RUBY_STATEMENT_PARENTS.has(parent) || RUBY_ACCESS.has(node.text)) return null;
      return { target: node.text };
    }
    const method = text(field(node, 'method'));
    if (!method || method === 'require' || method === 'require_relative') return null;
    const receiver = field(node, 'receiver');
    return { target: receiver ? `${dotted(receiver)}.${method}` : method };
  },
  importTypes: set('call'),
  imports(node) {
    const method = text(field(node, 'method'));
    if (method !== 'require' && method !== 'require_relative') return null;
    const arg = field(node, 'arguments')?.namedChild(0);
    if (arg?.type !== 'string') return null;
    const raw = stripQuotes(arg.text);
    return { source: method === 'require_relative' ? (raw.startsWith('.') ? raw : `./${raw}`) : raw, bindings: [{ local: '*', imported: '*' }] };
  },
  referenceTypes: set(),
  accessTypes: set('identifier'),
  access(node) {
    if (node.parent?.type !== 'body_statement' || node.parent.parent?.type !== 'class') return null;
    const t = node.text;
    return t === 'private' ? 'private' : t === 'protected' ? 'protected' : t === 'public' ? 'public' : null;
  },
};

// ---------------------------------------------------------------------------------------------
// PHP

const phpSpec: LanguageSpec = {
  language: 'php',
  definitionTypes: set('class_declaration', 'interface_declaration', 'trait_declaration', 'enum_declaration', 'function_definition', 'method_declaration', 'namespace_definition'),
  definition(node, scope) {
    const nameNode = field(node, 'name');
    const name = nameNode ? dotted(nameNode) : null;
    const clauseNames = (type: string) => {
      const c = namedChildren(node).find((n) => n.type === type);
      return c ? namedChildren(c).map((n) => dotted(n)!) : [];
    };
    switch (node.type) {
      case 'class_declaration':
        return classDef('class', name, node, 'public', { extends: clauseNames('base_clause'), implements: clauseNames('class_interface_clause') });
      case 'interface_declaration':
        return classDef('interface', name, node, 'public', { extends: clauseNames('base_clause') });
      case 'trait_declaration':
        return classDef('trait', name, node, 'public');
      case 'enum_declaration':
        return classDef('enum', name, node, 'public');
      case 'namespace_definition':
        // `namespace App;` names the file's namespace but holds nothing: no chunk.
        return name && field(node, 'body') ? classDef('namespace', name, node, 'public') : null;
      case 'function_definition':
        return functionDef(name, node, scope, 'public');
      case 'method_declaration':
        return functionDef(name, node, scope, modifierVisibility(node, 'visibility_modifier', 'public'), name === '__construct' ? { symbolKind: 'constructor' } : {});
    }
    return null;
  },
  callTypes: set('function_call_expression', 'member_call_expression', 'scoped_call_expression', 'nullsafe_member_call_expression', 'object_creation_expression'),
  call(node) {
    switch (node.type) {
      case 'function_call_expression': {
        const fn = field(node, 'function');
        return fn && (fn.type === 'name' || fn.type === 'qualified_name') ? { target: dotted(fn)! } : null;
      }
      case 'member_call_expression':
      case 'nullsafe_member_call_expression': {
        const name = text(field(node, 'name'));
        const obj = field(node, 'object');
        if (!name) return null;
        return { target: `${obj ? dotted(obj)!.replace(/^\$/, '') : 'this'}.${name}` };
      }
      case 'scoped_call_expression': {
        const name = text(field(node, 'name'));
        const scope = field(node, 'scope');
        return name ? { target: scope ? `${dotted(scope)}.${name}` : name } : null;
      }
      case 'object_creation_expression': {
        const cls = namedChildren(node).find((c) => c.type === 'name' || c.type === 'qualified_name');
        return cls ? { target: dotted(cls)! } : null;
      }
    }
    return null;
  },
  importTypes: set('namespace_use_clause', 'require_expression', 'require_once_expression', 'include_expression', 'include_once_expression'),
  imports(node) {
    if (node.type === 'namespace_use_clause') {
      const target = namedChildren(node).find((c) => c.type === 'qualified_name' || c.type === 'name');
      if (!target) return null;
      const source = target.text.replace(/^\\/, '');
      const alias = namedChildren(node).find((c) => c.type === 'namespace_aliasing_clause')?.namedChild(0)?.text;
      const last = source.split('\\').pop()!;
      return { source, bindings: [{ local: alias ?? last, imported: last }] };
    }
    const arg = node.namedChild(0);
    if (arg?.type !== 'string' && arg?.type !== 'encapsed_string') return null;
    return { source: stripQuotes(arg.text), bindings: [{ local: '*', imported: '*' }] };
  },
  referenceTypes: set(),
};

const SPECS: Record<GrammarLanguage, LanguageSpec> = {
  typescript: makeJsSpec('typescript'),
  tsx: makeJsSpec('tsx'),
  javascript: makeJsSpec('javascript'),
  python: pythonSpec,
  go: goSpec,
  java: javaSpec,
  csharp: csharpSpec,
  rust: rustSpec,
  c: makeCSpec('c'),
  cpp: makeCSpec('cpp'),
  ruby: rubySpec,
  php: phpSpec,
};

export function languageSpec(language: GrammarLanguage): LanguageSpec {
  return SPECS[language];
}
