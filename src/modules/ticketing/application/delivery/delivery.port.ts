/** Port: hands a print@home PDF to the customer. Adapters: SMTP e-mail, or the signed download link alone. */
export interface DeliveryMessage {
  to: string;
  subject: string;
  text: string;
  /** Signed, expiring download link of the same PDF. */
  link: string;
  attachment: { filename: string; content: Buffer };
}

export interface Delivery {
  send(message: DeliveryMessage): Promise<{ channel: 'smtp' | 'link-only'; messageId?: string }>;
}

export const DELIVERY = Symbol('TicketingDelivery');
