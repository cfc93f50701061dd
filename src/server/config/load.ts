/**
 * Reading a config file: JSON (.json) or YAML (anything else; YAML also reads JSON), then validation.
 * Command-line flags are layered over the file with mergeServeConfigInput before validation, so a flag and
 * the file key it stands for are checked by the same rule.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { ServeConfig, ServeConfigInput } from './types.js';
import { parseServeConfig, ServeConfigError } from './validate.js';

/** The file's document, parsed but not validated. Throws ServeConfigError for unreadable or unparsable files. */
export async function readServeConfigDocument(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new ServeConfigError([{ path: '', message: `cannot read: ${(e as Error).message}` }], path);
  }
  return parseServeConfigText(text, path);
}

/** Parses config text; `name` (a file name) picks JSON for ".json", YAML otherwise. */
export function parseServeConfigText(text: string, name: string): unknown {
  if (extname(name).toLowerCase() === '.json') {
    try {
      return JSON.parse(text) as unknown;
    } catch (e) {
      throw new ServeConfigError([{ path: '', message: `not valid JSON: ${(e as Error).message}` }], name);
    }
  }
  try {
    return parseYaml(text, { prettyErrors: true, uniqueKeys: true }) as unknown;
  } catch (e) {
    const message = e instanceof YAMLParseError ? e.message : String(e);
    throw new ServeConfigError([{ path: '', message: `not valid YAML: ${message}` }], name);
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * `override` laid over `base` key by key (mappings merged, anything else replaced); undefined values in
 * `override` leave the base alone, so flags that were not given change nothing.
 */
export function mergeServeConfigInput(base: unknown, override: ServeConfigInput): unknown {
  return mergeValue(base, override);
}

function mergeValue(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (!isPlainObject(over) || !isPlainObject(base)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) out[key] = mergeValue(base[key], value);
  return out;
}

/** Reads, merges flags over, and validates a config file (path null: flags only). */
export async function loadServeConfig(
  path: string | null,
  overrides: ServeConfigInput = {},
): Promise<ServeConfig> {
  const document = path === null ? {} : await readServeConfigDocument(path);
  return parseServeConfig(mergeServeConfigInput(document, overrides), path);
}
