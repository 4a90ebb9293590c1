import { ESCROW_ENTITIES } from '../../modules/escrow/infrastructure/escrow.entities';
import { SALES_ENTITIES } from '../../modules/sales/infrastructure/sales.entities';
import { SECURITY_ENTITIES } from '../../modules/security/infrastructure/security.entities';
import { TICKETING_ENTITIES } from '../../modules/ticketing/infrastructure/ticketing.entities';

/**
 * The entity classes MikroORM discovers, listed per module. Composition root only: modules never import this.
 * Hot paths use SQL through `em.getConnection()`, not these classes.
 */
export const ALL_ENTITIES = [...SECURITY_ENTITIES, ...SALES_ENTITIES, ...ESCROW_ENTITIES, ...TICKETING_ENTITIES];
