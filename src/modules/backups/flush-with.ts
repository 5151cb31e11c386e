import { EntityManager } from '@mikro-orm/postgresql';

/** Flushes `em`'s pending changes and runs `alsoDo` (statements on em's transaction) as one transaction. */
export async function flushWith(em: EntityManager, alsoDo: () => Promise<void>): Promise<void> {
  await em.begin();
  try {
    await alsoDo();
    await em.commit(); // flushes first
  } catch (error) {
    await em.rollback();
    throw error;
  }
}
