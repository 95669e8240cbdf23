// What the OpenPGP layer says about a message's protection, in English, keyed by the code of
// each note (wasm/pgp). The list of codes is generated from the Go source
// (gen/security-notes.ts): a code without a sentence here or in security-fr.ts fails the type check.
import type { SecurityNoteCode, SecurityNoteParams } from "../gen/security-notes";

export type SecurityNotes = { [C in SecurityNoteCode]: (p: Record<SecurityNoteParams[C], string>) => string };

/** securityNoteIn says the note named by p.note with p's values, if table has it (the
 * privacy index cites the OpenPGP layer's notes this way). */
export function securityNoteIn(table: SecurityNotes, p: Record<string, string>): string | undefined {
  const say = (table as Record<string, ((p: Record<string, string>) => string) | undefined>)[p.note ?? ""];
  return say?.(p);
}

export const securityNotesEn: SecurityNotes = {
  "decrypt.content-unreadable": (p) => `The decrypted content cannot be read: ${p.detail}`,
  "decrypt.corrupt": () => "This encrypted message is damaged and cannot be read.",
  "decrypt.corrupt-data": (p) => `This message cannot be decrypted; its encrypted data is damaged (${p.detail}).`,
  "decrypt.damaged": (p) => `This encrypted message is damaged: ${p.detail}`,
  "decrypt.failed": (p) => `This message cannot be decrypted: ${p.detail}`,
  "decrypt.locked": () => "This message is encrypted: unlock the vault to read it.",
  "decrypt.missing-key": (p) => `This message was encrypted to a key we do not have (key ID ${p.keys}).`,
  "decrypt.no-own-key": () => "This message is encrypted and no key of yours is available to open it.",
  "decrypt.part-missing": () => "This encrypted message is damaged: its encrypted part is missing.",
  "from.not-covered": (p) =>
    `Inside, this message claims to come from ${p.claimed}, but no valid signature by a key held for ${p.claimed} covers that claim: it is shown as from ${p.shown}, the address it was sent from.`,
  "inline.cut-short": () => "This inline PGP message is cut short and cannot be decrypted.",
  "sig.bad": () => "The signature does not match: the message was changed after it was signed, or the signature is forged.",
  "sig.cannot-check": (p) => `The signature cannot be checked: ${p.detail}`,
  "sig.empty": () => "The signature part holds no signature.",
  "sig.good-unknown": (p) => `Good signature, but key ${p.key} is not yet known for ${p.address}.`,
  "sig.key-expired": (p) => `Signed with key ${p.key}, but that key has expired: the signature cannot be trusted.`,
  "sig.key-revoked": (p) => `Signed with key ${p.key}, but that key is revoked: the signature cannot be trusted.`,
  "sig.no-key": (p) => `Signed with key ${p.key}, which we do not have: the signature cannot be checked.`,
  "sig.part-missing": () => "This signed message is damaged: its signature part is missing.",
  "sig.signature-part-unreadable": (p) => `The signature part cannot be read: ${p.detail}`,
  "sig.signed-part-unreadable": (p) => `The signed part cannot be read: ${p.detail}`,
  "sig.signer-expired": () => "The signing key has expired since.",
  "sig.signer-unknown": () => "The signature was accepted but its key is unknown.",
  "sig.text-cut-short": () => "This signed text is cut short; its signature cannot be checked.",
  "sig.text-damaged": (p) => `The signed text is damaged: ${p.detail}`,
  "sig.unreadable": (p) => `The signature cannot be read: ${p.detail}`,
};
