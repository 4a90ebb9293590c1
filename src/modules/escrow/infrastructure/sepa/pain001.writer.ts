import { Money } from '../../../../shared-kernel/money';

export interface CreditTransfer {
  endToEndId: string;
  amount: bigint;
  creditorName: string;
  creditorIban: string;
  creditorBic?: string | null;
  remittance: string;
}

export interface Pain001Batch {
  messageId: string;
  createdAt: Date;
  executionDate: string; // YYYY-MM-DD
  currency: string;
  debtor: { name: string; iban: string; bic?: string | null };
  transfers: CreditTransfer[];
}

/** SEPA allows a restricted Latin character set; anything else becomes a space or its ASCII fold. */
export function sepaText(s: string, max: number): string {
  const folded = s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ß/g, 'ss')
    .replace(/[^A-Za-z0-9/\-?:().,'+ ]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return (folded || '-').slice(0, max);
}
export const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
export const id35 = (s: string) => sepaText(s, 35).replace(/ /g, '');

/**
 * Writes a SEPA credit transfer initiation, pain.001.001.09 (EPC132-08 2023 customer-to-bank rules): one payment
 * information block, debtor = ProTicket's trust account. Valid against the EPC XSD (tested with xmllint).
 */
export function writePain001(b: Pain001Batch): string {
  const total = b.transfers.reduce((a, t) => a + t.amount, 0n);
  const amt = (m: bigint) => Money.of(m, b.currency).toDecimalString();
  const tx = b.transfers
    .map(
      (t) => `      <CdtTrfTxInf>
        <PmtId><EndToEndId>${esc(id35(t.endToEndId))}</EndToEndId></PmtId>
        <Amt><InstdAmt Ccy="${b.currency}">${amt(t.amount)}</InstdAmt></Amt>${
          t.creditorBic ? `\n        <CdtrAgt><FinInstnId><BICFI>${esc(t.creditorBic)}</BICFI></FinInstnId></CdtrAgt>` : ''
        }
        <Cdtr><Nm>${esc(sepaText(t.creditorName, 70))}</Nm></Cdtr>
        <CdtrAcct><Id><IBAN>${esc(t.creditorIban)}</IBAN></Id></CdtrAcct>
        <RmtInf><Ustrd>${esc(sepaText(t.remittance, 140))}</Ustrd></RmtInf>
      </CdtTrfTxInf>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <CstmrCdtTrfInitn>
    <GrpHdr>
      <MsgId>${esc(id35(b.messageId))}</MsgId>
      <CreDtTm>${b.createdAt.toISOString().slice(0, 19)}</CreDtTm>
      <NbOfTxs>${b.transfers.length}</NbOfTxs>
      <CtrlSum>${amt(total)}</CtrlSum>
      <InitgPty><Nm>${esc(sepaText(b.debtor.name, 70))}</Nm></InitgPty>
    </GrpHdr>
    <PmtInf>
      <PmtInfId>${esc(id35(`${b.messageId}-1`))}</PmtInfId>
      <PmtMtd>TRF</PmtMtd>
      <NbOfTxs>${b.transfers.length}</NbOfTxs>
      <CtrlSum>${amt(total)}</CtrlSum>
      <PmtTpInf><SvcLvl><Cd>SEPA</Cd></SvcLvl></PmtTpInf>
      <ReqdExctnDt><Dt>${b.executionDate}</Dt></ReqdExctnDt>
      <Dbtr><Nm>${esc(sepaText(b.debtor.name, 70))}</Nm></Dbtr>
      <DbtrAcct><Id><IBAN>${esc(b.debtor.iban)}</IBAN></Id></DbtrAcct>
      <DbtrAgt><FinInstnId>${b.debtor.bic ? `<BICFI>${esc(b.debtor.bic)}</BICFI>` : '<Othr><Id>NOTPROVIDED</Id></Othr>'}</FinInstnId></DbtrAgt>
      <ChrgBr>SLEV</ChrgBr>
${tx}
    </PmtInf>
  </CstmrCdtTrfInitn>
</Document>
`;
}
