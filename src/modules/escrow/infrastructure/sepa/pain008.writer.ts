import { Money } from '../../../../shared-kernel/money';
import { esc, id35, sepaText } from './pain001.writer';

export type SequenceType = 'FRST' | 'RCUR';

export interface DirectDebit {
  endToEndId: string;
  amount: bigint;
  mandateId: string;
  signedOn: string; // YYYY-MM-DD
  sequenceType: SequenceType;
  debtorName: string;
  debtorIban: string;
  debtorBic?: string | null;
  remittance: string;
}

export interface Pain008Batch {
  messageId: string;
  createdAt: Date;
  collectionDate: string; // YYYY-MM-DD
  currency: string;
  creditor: { name: string; iban: string; bic?: string | null; creditorId: string };
  debits: DirectDebit[];
}

const agent = (bic?: string | null) => `<FinInstnId>${bic ? `<BICFI>${esc(bic)}</BICFI>` : '<Othr><Id>NOTPROVIDED</Id></Othr>'}</FinInstnId>`;

/**
 * Writes a SEPA direct-debit initiation, pain.008.001.08 (CORE scheme): creditor = ProTicket's trust account with its
 * creditor identifier; one payment information block per sequence type (FRST / RCUR), because the sequence type
 * belongs to the block. No batch booking: each collection is a line of its own on the bank statement, so the matcher
 * finds each settlement's RF (EndToEndId and remittance). Same text rules as pain.001 (sepaText, escaping, 35-character ids). There is no pain.008
 * XSD on this machine: well-formedness and structure are tested, schema validity is not.
 */
export function writePain008(b: Pain008Batch): string {
  const amt = (m: bigint) => Money.of(m, b.currency).toDecimalString();
  const sum = (ds: DirectDebit[]) => ds.reduce((a, d) => a + d.amount, 0n);
  const blocks = (['FRST', 'RCUR'] as const)
    .map((seq) => ({ seq, ds: b.debits.filter((d) => d.sequenceType === seq) }))
    .filter((g) => g.ds.length)
    .map(
      ({ seq, ds }) => `    <PmtInf>
      <PmtInfId>${esc(id35(`${b.messageId}-${seq}`))}</PmtInfId>
      <PmtMtd>DD</PmtMtd>
      <BtchBookg>false</BtchBookg>
      <NbOfTxs>${ds.length}</NbOfTxs>
      <CtrlSum>${amt(sum(ds))}</CtrlSum>
      <PmtTpInf><SvcLvl><Cd>SEPA</Cd></SvcLvl><LclInstrm><Cd>CORE</Cd></LclInstrm><SeqTp>${seq}</SeqTp></PmtTpInf>
      <ReqdColltnDt>${b.collectionDate}</ReqdColltnDt>
      <Cdtr><Nm>${esc(sepaText(b.creditor.name, 70))}</Nm></Cdtr>
      <CdtrAcct><Id><IBAN>${esc(b.creditor.iban)}</IBAN></Id></CdtrAcct>
      <CdtrAgt>${agent(b.creditor.bic)}</CdtrAgt>
      <ChrgBr>SLEV</ChrgBr>
      <CdtrSchmeId><Id><PrvtId><Othr><Id>${esc(b.creditor.creditorId)}</Id><SchmeNm><Prtry>SEPA</Prtry></SchmeNm></Othr></PrvtId></Id></CdtrSchmeId>
${ds
  .map(
    (d) => `      <DrctDbtTxInf>
        <PmtId><EndToEndId>${esc(id35(d.endToEndId))}</EndToEndId></PmtId>
        <InstdAmt Ccy="${b.currency}">${amt(d.amount)}</InstdAmt>
        <DrctDbtTx><MndtRltdInf><MndtId>${esc(id35(d.mandateId))}</MndtId><DtOfSgntr>${d.signedOn}</DtOfSgntr></MndtRltdInf></DrctDbtTx>
        <DbtrAgt>${agent(d.debtorBic)}</DbtrAgt>
        <Dbtr><Nm>${esc(sepaText(d.debtorName, 70))}</Nm></Dbtr>
        <DbtrAcct><Id><IBAN>${esc(d.debtorIban)}</IBAN></Id></DbtrAcct>
        <RmtInf><Ustrd>${esc(sepaText(d.remittance, 140))}</Ustrd></RmtInf>
      </DrctDbtTxInf>`,
  )
  .join('\n')}
    </PmtInf>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.008.001.08" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <CstmrDrctDbtInitn>
    <GrpHdr>
      <MsgId>${esc(id35(b.messageId))}</MsgId>
      <CreDtTm>${b.createdAt.toISOString().slice(0, 19)}</CreDtTm>
      <NbOfTxs>${b.debits.length}</NbOfTxs>
      <CtrlSum>${amt(sum(b.debits))}</CtrlSum>
      <InitgPty><Nm>${esc(sepaText(b.creditor.name, 70))}</Nm></InitgPty>
    </GrpHdr>
${blocks}
  </CstmrDrctDbtInitn>
</Document>
`;
}
