// Ce que la couche OpenPGP dit de la protection d’un message, en français, par code de note
// (wasm/pgp) : chaque code de gen/security-notes.ts, ni plus ni moins.
import type { SecurityNotes } from "./security-en";

export const securityNotesFr: SecurityNotes = {
  "decrypt.content-unreadable": (p) => `Le contenu déchiffré est illisible : ${p.detail}`,
  "decrypt.corrupt": () => "Ce message chiffré est abîmé et ne peut pas être lu.",
  "decrypt.corrupt-data": (p) => `Ce message ne peut pas être déchiffré ; ses données chiffrées sont abîmées (${p.detail}).`,
  "decrypt.damaged": (p) => `Ce message chiffré est abîmé : ${p.detail}`,
  "decrypt.failed": (p) => `Ce message ne peut pas être déchiffré : ${p.detail}`,
  "decrypt.locked": () => "Ce message est chiffré : déverrouillez le coffre pour le lire.",
  "decrypt.missing-key": (p) => `Ce message a été chiffré pour une clé que nous n’avons pas (identifiant ${p.keys}).`,
  "decrypt.no-own-key": () => "Ce message est chiffré et aucune de vos clés n’est disponible pour l’ouvrir.",
  "decrypt.part-missing": () => "Ce message chiffré est abîmé : sa partie chiffrée manque.",
  "from.not-covered": (p) =>
    `À l’intérieur, ce message prétend venir de ${p.claimed}, mais aucune signature valide d’une clé connue pour ${p.claimed} ne le prouve : il est affiché comme venant de ${p.shown}, l’adresse d’où il a été envoyé.`,
  "inline.cut-short": () => "Ce message PGP en ligne est tronqué et ne peut pas être déchiffré.",
  "sig.bad": () => "La signature ne correspond pas : le message a été modifié après sa signature, ou la signature est falsifiée.",
  "sig.cannot-check": (p) => `La signature ne peut pas être vérifiée : ${p.detail}`,
  "sig.empty": () => "La partie signature ne contient aucune signature.",
  "sig.good-unknown": (p) => `Signature valide, mais la clé ${p.key} n’est pas encore connue pour ${p.address}.`,
  "sig.key-expired": (p) => `Signé avec la clé ${p.key}, mais cette clé a expiré : la signature n’est pas fiable.`,
  "sig.key-revoked": (p) => `Signé avec la clé ${p.key}, mais cette clé est révoquée : la signature n’est pas fiable.`,
  "sig.no-key": (p) => `Signé avec la clé ${p.key}, que nous n’avons pas : la signature ne peut pas être vérifiée.`,
  "sig.part-missing": () => "Ce message signé est abîmé : sa partie signature manque.",
  "sig.signature-part-unreadable": (p) => `La partie signature est illisible : ${p.detail}`,
  "sig.signed-part-unreadable": (p) => `La partie signée est illisible : ${p.detail}`,
  "sig.signer-expired": () => "La clé de signature a expiré depuis.",
  "sig.signer-unknown": () => "La signature a été acceptée mais sa clé est inconnue.",
  "sig.text-cut-short": () => "Ce texte signé est tronqué ; sa signature ne peut pas être vérifiée.",
  "sig.text-damaged": (p) => `Le texte signé est abîmé : ${p.detail}`,
  "sig.unreadable": (p) => `La signature est illisible : ${p.detail}`,
};
