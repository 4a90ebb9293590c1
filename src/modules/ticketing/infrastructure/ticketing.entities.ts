/** MikroORM entities of the ticketing module (schema `ticketing`). Listed in the composition root's ALL_ENTITIES. */
export const TICKETING_ENTITIES: Function[] = [];
