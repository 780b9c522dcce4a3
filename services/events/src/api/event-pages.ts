import type { EventRecord } from '../domain';
import { etagOf } from './entity-tags';
import { eventJson } from './event-json';

/** An event's public JSON as bytes, ready to send, and its entity tag. */
export interface RenderedEvent {
  body: Buffer;
  etag: string;
}

/**
 * GET /api/events/:id's answers, rendered once per cached copy of an event instead of parsed and
 * re-serialised on every request. Keyed by the cached JSON text itself, so an answer
 * can never outlive the copy it came from: a changed event is a different text, hence a
 * different key. Bounded: past `max` texts the oldest rendered is dropped (first in, first out).
 */
export class EventPages {
  private readonly pages = new Map<string, RenderedEvent>();

  constructor(private readonly max = 1000) {}

  of(raw: string): RenderedEvent {
    const held = this.pages.get(raw);
    if (held) return held;
    const event = JSON.parse(raw) as EventRecord;
    const rendered = { body: Buffer.from(JSON.stringify(eventJson(event))), etag: etagOf(event) };
    if (this.pages.size >= this.max) this.pages.delete(this.pages.keys().next().value!);
    this.pages.set(raw, rendered);
    return rendered;
  }
}
