import { SECURITY_ENTITIES } from '../../modules/security/infrastructure/security.entities';
import { SALES_ENTITIES } from '../../modules/sales/infrastructure/sales.entities';

/**
 * The entity classes MikroORM discovers, listed per module. Composition root only: modules never import this.
 * Hot paths use SQL through `em.getConnection()`, not these classes.
 */
export const ALL_ENTITIES = [...SECURITY_ENTITIES, ...SALES_ENTITIES];
