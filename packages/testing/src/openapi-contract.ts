import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import AjvModule, { type ValidateFunction } from 'ajv';

// ajv ships CJS with a default export; under NodeNext ESM the class sits on `.default`.
const Ajv = ((AjvModule as unknown as { default?: typeof AjvModule }).default ?? AjvModule) as unknown as typeof AjvModule.default;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

export interface OpenApiOperation {
  operationId: string;
  method: string;
  /** The path template, e.g. `/collections/{collection_name}/points`. */
  template: string;
  pattern: RegExp;
  paramNames: string[];
  parameters: { name: string; in: string; required: boolean; pointer: string }[];
  requestPointer: string | null;
  requestRequired: boolean;
  /** status (`200`, `4XX`, `default`) -> JSON pointer of the response schema. */
  responses: Map<string, string>;
}

export interface ContractOptions {
  /**
   * Treat properties a schema does not declare as violations (adds `additionalProperties: false`
   * to every object schema that lists `properties` and says nothing about extra ones). Stricter
   * than the bare contract: it catches misspelt field names, which a server would ignore or
   * reject. Default true.
   */
  strictProperties?: boolean;
}

function pointerTo(segments: string[]): string {
  return `#/${segments.map((s) => encodeURIComponent(s.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/')}`;
}

/**
 * OpenAPI 3.0 schema objects are not JSON Schema: `nullable: true` has to become a `null` type,
 * `example` is not a keyword. Rewrites the document in place.
 */
function toJsonSchema(node: Json, strictProperties: boolean): Json {
  if (Array.isArray(node)) return node.map((n) => toJsonSchema(n, strictProperties));
  if (node === null || typeof node !== 'object') return node;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'example' || k === 'examples') continue;
    out[k] = k === 'properties' && v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).map(([pk, pv]) => [pk, toJsonSchema(pv, strictProperties)])) : toJsonSchema(v, strictProperties);
  }
  if (strictProperties && out.type === 'object' && out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  if (out.nullable === true) {
    delete out.nullable;
    if (typeof out.type === 'string') {
      out.type = [out.type, 'null'];
      if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
    } else {
      const rest = { ...out };
      const keys = Object.keys(rest).filter((k) => k !== 'description' && k !== 'default');
      if (keys.length === 0) return { type: 'null' };
      return { anyOf: [rest, { type: 'null' }] };
    }
  }
  return out;
}

const UINT = (x: number) => Number.isInteger(x) && x >= 0;

/**
 * A validator for one OpenAPI 3.0 document: finds the operation of a method + path, and
 * validates request bodies, parameters and responses against the document's own schemas
 * (`$ref`s into `components/schemas` resolved by ajv).
 */
export class OpenApiContract {
  readonly operations: OpenApiOperation[];
  readonly #ajv: InstanceType<typeof Ajv>;
  readonly #compiled = new Map<string, ValidateFunction>();

  constructor(document: unknown, options: ContractOptions = {}) {
    const doc = toJsonSchema(structuredClone(document) as Json, options.strictProperties ?? true) as JsonObject;
    this.#ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
    for (const f of ['uint', 'uint64', 'uint32', 'uint16', 'uint8', 'usize']) this.#ajv.addFormat(f, { type: 'number', validate: UINT });
    for (const f of ['int64', 'int32', 'int']) this.#ajv.addFormat(f, { type: 'number', validate: (x: number) => Number.isInteger(x) });
    for (const f of ['float', 'double']) this.#ajv.addFormat(f, { type: 'number', validate: (x: number) => Number.isFinite(x) });
    this.#ajv.addFormat('uuid', /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i);
    this.#ajv.addFormat('date-time', { type: 'string', validate: (s: string) => !Number.isNaN(Date.parse(s)) });
    this.#ajv.addFormat('partial-date-time', true);
    this.#ajv.addFormat('uri', { type: 'string', validate: (s: string) => URL.canParse(s) });
    this.#ajv.addFormat('binary', true);
    const { paths, ...rest } = doc;
    // Register only the component schemas plus the path items (ajv needs the whole tree to resolve pointers).
    this.#ajv.addSchema({ ...rest, paths } as object, 'openapi');
    this.operations = [];
    for (const [template, item] of Object.entries((paths ?? {}) as JsonObject)) {
      const paramNames = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
      const pattern = new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '([^/]+)')}$`);
      for (const [method, op] of Object.entries(item as JsonObject)) {
        if (!['get', 'put', 'post', 'patch', 'delete', 'head'].includes(method)) continue;
        const o = op as JsonObject;
        const base = ['paths', template, method];
        const parameters = ((o.parameters ?? []) as JsonObject[]).map((p, i) => ({
          name: String(p.name),
          in: String(p.in),
          required: p.required === true,
          pointer: pointerTo([...base, 'parameters', String(i), 'schema']),
        }));
        const body = (o.requestBody as JsonObject | undefined)?.content as JsonObject | undefined;
        const responses = new Map<string, string>();
        for (const [status, r] of Object.entries((o.responses ?? {}) as JsonObject)) {
          if (((r as JsonObject).content as JsonObject | undefined)?.['application/json']) responses.set(status, pointerTo([...base, 'responses', status, 'content', 'application/json', 'schema']));
        }
        this.operations.push({
          operationId: String(o.operationId),
          method: method.toUpperCase(),
          template,
          pattern,
          paramNames,
          parameters,
          requestPointer: body?.['application/json'] ? pointerTo([...base, 'requestBody', 'content', 'application/json', 'schema']) : null,
          requestRequired: (o.requestBody as JsonObject | undefined)?.required === true,
          responses,
        });
      }
    }
    // Literal paths (`/collections/aliases`) before templated ones (`/collections/{name}`).
    this.operations.sort((a, b) => a.paramNames.length - b.paramNames.length);
  }

  /** Loads an OpenAPI JSON file. */
  static fromFile(path: string | URL, options?: ContractOptions): OpenApiContract {
    return new OpenApiContract(JSON.parse(readFileSync(path instanceof URL ? fileURLToPath(path) : path, 'utf8')), options);
  }

  #validator(pointer: string): ValidateFunction {
    let v = this.#compiled.get(pointer);
    if (!v) {
      v = this.#ajv.getSchema(`openapi${pointer}`);
      if (!v) throw new Error(`no schema at ${pointer}`);
      this.#compiled.set(pointer, v);
    }
    return v;
  }

  /** The operation serving `method path`, with its path parameters. */
  match(method: string, path: string): { operation: OpenApiOperation; params: Record<string, string> } | undefined {
    for (const operation of this.operations) {
      if (operation.method !== method.toUpperCase()) continue;
      const m = operation.pattern.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      operation.paramNames.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1]!)));
      return { operation, params };
    }
    return undefined;
  }

  /** Validation errors of a request (empty when it conforms). */
  validateRequest(operation: OpenApiOperation, pathParams: Record<string, string>, query: URLSearchParams, body: unknown | undefined): string[] {
    const errors: string[] = [];
    const declared = new Set(operation.parameters.filter((p) => p.in === 'query').map((p) => p.name));
    for (const name of query.keys()) if (!declared.has(name)) errors.push(`query parameter "${name}" is not part of ${operation.operationId}`);
    for (const p of operation.parameters) {
      const raw = p.in === 'path' ? pathParams[p.name] : p.in === 'query' ? (query.get(p.name) ?? undefined) : undefined;
      if (raw === undefined) {
        if (p.required && p.in !== 'header') errors.push(`missing required ${p.in} parameter "${p.name}"`);
        continue;
      }
      const validate = this.#validator(p.pointer);
      const candidates: unknown[] = [raw];
      if (raw === 'true' || raw === 'false') candidates.unshift(raw === 'true');
      if (raw !== '' && Number.isFinite(Number(raw))) candidates.unshift(Number(raw));
      if (!candidates.some((c) => validate(c))) errors.push(`${p.in} parameter "${p.name}"=${JSON.stringify(raw)}: ${this.#ajv.errorsText(validate.errors)}`);
    }
    if (operation.requestPointer) {
      if (body === undefined) {
        if (operation.requestRequired) errors.push(`${operation.operationId} needs a JSON body`);
      } else {
        const validate = this.#validator(operation.requestPointer);
        if (!validate(body)) errors.push(`request body of ${operation.operationId}: ${this.#ajv.errorsText(validate.errors, { dataVar: 'body' })}`);
      }
    } else if (body !== undefined) {
      errors.push(`${operation.operationId} takes no body`);
    }
    return errors;
  }

  /** Validation errors of a response body for a status (empty when it conforms). */
  validateResponse(operation: OpenApiOperation, status: number, body: unknown): string[] {
    const key = operation.responses.has(String(status)) ? String(status) : operation.responses.has(`${String(status)[0]}XX`) ? `${String(status)[0]}XX` : 'default';
    const pointer = operation.responses.get(key);
    if (!pointer) return [`${operation.operationId} documents no JSON response for HTTP ${status}`];
    const validate = this.#validator(pointer);
    return validate(body) ? [] : [`response ${status} of ${operation.operationId}: ${this.#ajv.errorsText(validate.errors, { dataVar: 'response' })}`];
  }
}
