import { AppError, notFound } from '@boxoffice/platform';
import type { EventChanges, EventRecord } from '../data-access';
import type { EventsDeps } from './events-deps';

export interface UpdateEventCommand {
  /** A UUID, lower-cased (from `idParam`). */
  id: string;
  userId: string;
  changes: EventChanges;
  /** Versions named by If-Match; undefined when the client sent none (or `*`). */
  expectedVersions?: readonly number[];
}

/**
 * An organizer edits their event. The write is one conditional UPDATE (see
 * EventRepository.updateIf); only when it matches nothing do we read the row to say why, in
 * the order a client would want to learn it: missing, not yours, stale, cancelled, oversold.
 */
export async function updateEvent(deps: EventsDeps, command: UpdateEventCommand): Promise<EventRecord> {
  const id = command.id;
  const updated = await deps.events.updateIf(id, command.changes, {
    organizerId: command.userId,
    versions: command.expectedVersions,
  });
  if (updated) {
    await deps.cache.invalidate(id, updated.version);
    return updated;
  }
  throw whyNotUpdated(command, await deps.events.findById(id));
}

function whyNotUpdated(command: UpdateEventCommand, current: EventRecord | undefined): AppError {
  if (!current) return notFound('event', command.id);
  if (current.organizerId !== command.userId) {
    return new AppError('forbidden', 'Only the organizer of an event may change it');
  }
  if (command.expectedVersions && !command.expectedVersions.includes(current.version)) {
    return new AppError('precondition_failed', 'The event changed since you read it; fetch it again', {
      details: { currentVersion: current.version },
    });
  }
  if (current.status === 'cancelled') {
    return new AppError('conflict', 'The event is cancelled and can no longer change');
  }
  const capacity = command.changes.capacity;
  if (capacity !== undefined && capacity < current.seatsSold) {
    return new AppError(
      'conflict',
      `Capacity cannot drop below the ${current.seatsSold} seats already sold`,
      {
        details: { seatsSold: current.seatsSold },
      },
    );
  }
  // Every condition holds now, so the row changed between our UPDATE and this read.
  return new AppError('conflict', 'The event changed while it was being updated; try again');
}
