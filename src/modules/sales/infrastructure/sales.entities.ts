/** MikroORM entities of the Sales module (hot paths use SQL; see the reservation commands). */
export const SALES_ENTITIES: never[] = [];
