import { ArgumentMetadata, BadRequestException, Injectable, ValidationPipe } from '@nestjs/common';

/** Deeper than any body of this API; class-transformer would recurse through a deeper one until the stack overflows. */
export const MAX_BODY_DEPTH = 16;
/** Keys that reach Object.prototype's machinery in code that merges or assigns objects. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The ValidationPipe of every route (unknown fields rejected, first error per field, values transformed), after
 * three checks of the raw input: bodies nested deeper than MAX_BODY_DEPTH or holding `__proto__`, `constructor` or
 * `prototype` keys are refused with 400; so is a field set to `null` (omitting it is how a default is asked for, and
 * null must never slip past a default into a query); UUIDs are lower-cased, so one id has one spelling (uniqueness
 * checks, storage keys, SQL comparisons).
 */
@Injectable()
export class RequestValidationPipe extends ValidationPipe {
  constructor() {
    super({ whitelist: true, forbidNonWhitelisted: true, transform: true, stopAtFirstError: true });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query' || metadata.type === 'param') value = normalise(value, metadata.type);
    return super.transform(value, metadata);
  }
}

function normalise(root: unknown, where: string): unknown {
  const walk = (value: unknown, depth: number, path: string): unknown => {
    if (typeof value === 'string') return UUID.test(value) ? value.toLowerCase() : value;
    if (value === null || typeof value !== 'object') return value;
    if (depth > MAX_BODY_DEPTH) throw new BadRequestException(`${where} is nested deeper than ${MAX_BODY_DEPTH} levels`);
    if (Array.isArray(value)) return value.map((item, i) => walk(item, depth + 1, `${path}[${i}]`));
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return value; // already a class instance, not raw input
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) throw new BadRequestException(`${path ? `${path}.` : ''}${key} is not an allowed field name`);
      const item = (value as Record<string, unknown>)[key];
      const field = path ? `${path}.${key}` : key;
      if (item === null) throw new BadRequestException(`${field} must not be null: omit it to use the default`);
      out[key] = walk(item, depth + 1, field);
    }
    return out;
  };
  return walk(root, 0, '');
}
