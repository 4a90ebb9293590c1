import { Logger } from '@nestjs/common';
import nodemailer from 'nodemailer';
import type { Delivery, DeliveryMessage } from '../../application/delivery/delivery.port';

/** Adapter: e-mail over SMTP (nodemailer) with the PDF attached and the download link in the text. */
export class SmtpDelivery implements Delivery {
  private readonly transport;

  constructor(
    url: string,
    private readonly from: string,
  ) {
    // a local/test relay may use a self-signed certificate; production URLs use smtps:// with a proper certificate
    this.transport = nodemailer.createTransport(url, { tls: { rejectUnauthorized: !url.includes('127.0.0.1') && !url.includes('localhost') } } as never);
  }

  async send(m: DeliveryMessage) {
    const info = await this.transport.sendMail({
      from: this.from,
      to: m.to,
      subject: m.subject,
      text: `${m.text}\n\nDownload: ${m.link}\n`,
      attachments: [{ filename: m.attachment.filename, content: m.attachment.content, contentType: 'application/pdf' }],
    });
    return { channel: 'smtp' as const, messageId: info.messageId };
  }
}

/** Adapter without a mail server: the customer gets the signed download link through the order confirmation. */
export class LinkOnlyDelivery implements Delivery {
  private readonly log = new Logger('TicketDelivery');
  async send(m: DeliveryMessage) {
    this.log.log(`print@home ready for ${m.to}: ${m.link}`);
    return { channel: 'link-only' as const };
  }
}
