import { DomainError } from '../../../shared-kernel/domain-error';

/** Every error the Sales module raises, with its stable code. The kind decides the HTTP status (problem filter). */
export const SalesErrors = {
  venueNotFound: () => DomainError.notFound('SALES.VENUE_NOT_FOUND', 'venue'),
  planNotFound: () => DomainError.notFound('SALES.PLAN_NOT_FOUND', 'seating plan'),
  eventNotFound: () => DomainError.notFound('SALES.EVENT_NOT_FOUND', 'event'),
  holdNotFound: () => DomainError.notFound('SALES.HOLD_NOT_FOUND', 'hold'),
  orderNotFound: () => DomainError.notFound('SALES.ORDER_NOT_FOUND', 'order'),
  invalidPlan: (message: string, details?: Record<string, unknown>) => new DomainError('SALES.INVALID_PLAN', message, 'validation', details),
  planTooLarge: (max: number) => new DomainError('SALES.PLAN_TOO_LARGE', `a seating plan may have at most ${max} seats and GA places`, 'too-large'),
  categoryWithoutPrice: (keys: string[]) =>
    new DomainError('SALES.CATEGORY_WITHOUT_PRICE', `the plan uses categories without a price category: ${keys.join(', ')}`, 'unprocessable', { keys }),
  invalidPrices: (message: string) => new DomainError('SALES.INVALID_PRICES', message, 'validation'),
  invalidEventDates: (message: string) => new DomainError('SALES.INVALID_EVENT_DATES', message, 'validation'),
  unknownCategory: () => new DomainError('SALES.UNKNOWN_CATEGORY', 'no such price category in this event', 'unprocessable'),
  unknownArea: () => new DomainError('SALES.UNKNOWN_AREA', 'no such general-admission area in this event', 'unprocessable'),
  unknownSeats: (seatIds: string[]) =>
    new DomainError('SALES.UNKNOWN_SEAT', 'one or more seats do not exist in this event', 'unprocessable', { seatIds }),
  seatsNotInContingent: (seatIds: string[]) =>
    new DomainError('SALES.SEAT_NOT_IN_CONTINGENT', 'one or more seats are not in a contingent of your sales channel', 'unprocessable', { seatIds }),
  seatsTaken: (seatIds: string[]) => new DomainError('SALES.SEAT_TAKEN', 'one or more seats are no longer available', 'conflict', { seatIds }),
  duplicateSeats: () => new DomainError('SALES.DUPLICATE_SEAT', 'a seat is listed twice', 'validation'),
  quantityOutOfRange: (max: number) => new DomainError('SALES.QUANTITY_OUT_OF_RANGE', `quantity must be between 1 and ${max}`, 'validation', { max }),
  notEnoughAvailable: (available?: number) =>
    new DomainError('SALES.NOT_ENOUGH_AVAILABLE', 'not enough places are available in your contingents', 'conflict', available === undefined ? undefined : { available }),
  noAdjacentSeats: () =>
    new DomainError('SALES.NO_ADJACENT_SEATS', 'no block of adjacent seats of that size is available (allowSplit permits separate seats)', 'conflict'),
  contended: () => new DomainError('SALES.CONTENDED', 'the seats picked were taken meanwhile; try again', 'conflict'),
  notOnSale: () => new DomainError('SALES.NOT_ON_SALE', 'the event is not on sale now', 'conflict'),
  eventCancelled: () => new DomainError('SALES.EVENT_CANCELLED', 'the event is cancelled', 'conflict'),
  holdExpired: () => new DomainError('SALES.HOLD_EXPIRED', 'the hold has expired; its places are free again', 'gone'),
  holdNotActive: (status: string) => new DomainError('SALES.HOLD_NOT_ACTIVE', `the hold is ${status}`, 'conflict', { holdStatus: status }),
  holdAlreadyOrdered: (orderId: string) =>
    new DomainError('SALES.HOLD_ALREADY_ORDERED', 'an order was already placed from this hold', 'conflict', { orderId }),
  holdExtensionRefused: () => new DomainError('SALES.HOLD_EXTENSION_REFUSED', 'the hold may not be extended further', 'conflict'),
  noPrice: (category: string, reduction: string) =>
    new DomainError('SALES.NO_PRICE', `no price for category ${category} with reduction ${reduction}`, 'unprocessable', { category, reduction }),
  unknownHoldItem: (unitNo: number) => new DomainError('SALES.UNKNOWN_HOLD_ITEM', `unit ${unitNo} is not part of this hold`, 'validation'),
  paymentMethodRequired: () =>
    new DomainError('SALES.PAYMENT_METHOD_REQUIRED', 'a counter sale needs payment.method cash or card-terminal', 'validation'),
  orderStateConflict: (status: string, wanted: string) =>
    new DomainError('SALES.ORDER_STATE_CONFLICT', `an order that is ${status} cannot be ${wanted}`, 'conflict', { orderStatus: status }),
  unknownOffice: () => new DomainError('SALES.UNKNOWN_PRESALE_OFFICE', 'no such presale office is registered', 'unprocessable'),
  sameContingent: () => new DomainError('SALES.SAME_CONTINGENT', 'source and target contingent are the same', 'validation'),
  contingentPlacesUnavailable: (requested: number, movable: number) =>
    new DomainError(
      'SALES.CONTINGENT_PLACES_UNAVAILABLE',
      'the source contingent does not have that many free places of the kind asked for',
      'conflict',
      { requested, movable },
    ),
  moveSelectorInvalid: () =>
    new DomainError('SALES.MOVE_SELECTOR_INVALID', 'give either seatIds, or quantity with areaId or categoryId', 'validation'),
};
