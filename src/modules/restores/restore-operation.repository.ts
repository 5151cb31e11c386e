import { LoadStrategy, PopulateHint } from '@mikro-orm/core';
import { EntityRepository } from '@mikro-orm/postgresql';
import type { RestoreOperation } from './restore-operation.entity';

export class RestoreOperationRepository extends EntityRepository<RestoreOperation> {
  findOneWithItems(id: string): Promise<RestoreOperation | null> {
    return this.findOne({ id }, { populate: ['items'] });
  }

  /** Newest first; with a tenant, the operations that included it, each still with all of its items. */
  findPage(tenantId: string | undefined, limit: number, offset: number): Promise<[RestoreOperation[], number]> {
    return this.findAndCount(tenantId ? { items: { tenantId } } : {}, {
      populate: ['items'],
      populateWhere: PopulateHint.ALL,
      strategy: LoadStrategy.SELECT_IN,
      orderBy: { createdAt: 'desc', id: 'desc' },
      limit,
      offset,
    });
  }
}
