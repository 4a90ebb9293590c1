/** MikroORM entities of the escrow module (schema `escrow`). Listed in the composition root's ALL_ENTITIES. */
export const ESCROW_ENTITIES: Function[] = [];
