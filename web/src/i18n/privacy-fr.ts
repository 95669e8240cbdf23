// Les phrases de l’indice de confidentialité en français, par code de note (wasm/privacy) :
// chaque code de gen/privacy-notes.ts, ni plus ni moins.
import type { PrivacyNotes } from "./privacy-en";
import { securityNoteIn } from "./security-en";
import { securityNotesFr } from "./security-fr";

const or = (v: string, fallback: string) => v || fallback;
const upper = (method: string) => method.toUpperCase();
const net = (n: string) => ({ email: "e-mail", mastodon: "Mastodon", x: "X" })[n] ?? n;
const s = (count: string, one: string, many: string) => (Number(count) <= 1 ? one : many);
/** de elides “de” before a vowel: d’Alice, de Bob. */
const de = (name: string) => (/^[aeiouyhàâéèêîôûAEIOUYHÀÂÉÈÊÎÔÛ]/.test(name) ? `d’${name}` : `de ${name}`);
/** auth says how an authentication check (DKIM, SPF, DMARC) did not pass. */
const auth = (result: string) => ({ fail: "a échoué", softfail: "a échoué (softfail)", none: "est absent", neutral: "est neutre" })[result] ?? `a donné « ${result} »`;

export const privacyNotesFr: PrivacyNotes = {
  "advice.auth.failed": (p) =>
    `${p.methods} a échoué : ce message ne vient peut-être pas ${de(p.person)}. Vérifiez auprès de cette personne par un autre moyen avant d’agir.`,
  "advice.auth.set-server": () =>
    "Indiquez l’identifiant d’authentification de votre serveur (le premier mot de ses en-têtes Authentication-Results) dans les réglages du compte.",
  "advice.auth.weak": (p) =>
    `Le domaine de l’expéditeur n’authentifie pas pleinement ses e-mails : demandez à ${p.person} des e-mails signés avec OpenPGP, qui prouvent qui les a écrits.`,
  "advice.channel.email-ask-key": (p) =>
    `${p.person} a aussi une adresse e-mail (${p.address}) : avec sa clé OpenPGP, l’e-mail serait privé — demandez-lui la sienne.`,
  "advice.channel.email-pgp": (p) => `${p.person} a une clé OpenPGP : répondez par e-mail pour chiffrer.`,
  "advice.channels.add-account": (p) => `Ajoutez un compte sur un réseau qu’utilise ${p.person}, de préférence l’e-mail.`,
  "advice.channels.email-pgp": (p) => `Un e-mail à ${p.address} avec OpenPGP serait privé : échangez vos clés avec ${p.person}.`,
  "advice.contact.ask-email": (p) =>
    `Demandez à ${p.person} une adresse e-mail et une clé OpenPGP : ici, seul l’e-mail peut être chiffré de bout en bout.`,
  "advice.discussion.encrypt": () => "Continuez à écrire chiffré de bout en bout dans cette discussion.",
  "advice.discussion.participant": (p) => `Échangez des clés vérifiées avec ${or(p.person, "tout le monde")}.`,
  "advice.encrypt.no-channel": (p) =>
    `Aucun moyen connu d’écrire chiffré à ${p.person} : demandez une adresse e-mail et une clé OpenPGP.`,
  "advice.encrypt.reply": (p) => `${p.person} a une clé OpenPGP : répondez chiffré, et demandez-lui de chiffrer pour la vôtre.`,
  "advice.encrypt.switch-to-email": (p) => `${p.person} a une clé OpenPGP : répondez par e-mail à ${p.address} pour chiffrer.`,
  "advice.history.encrypt": (p) => `Écrivez à ${p.person} par e-mail chiffré, et demandez-lui d’en faire autant.`,
  "advice.hops.federated": () =>
    "Un message privé au sein d’une seule instance, ou un e-mail avec OpenPGP, évite un lien entre serveurs que vous ne pouvez pas vérifier.",
  "advice.hops.sender-no-tls": (p) =>
    `Le serveur de l’expéditeur n’avait pas TLS sur une étape (${or(p.host, "sans nom")}) : demandez à ${p.person} d’utiliser un fournisseur avec TLS, ou utilisez OpenPGP.`,
  "advice.hops.unknown": () => "Seul le chiffrement de bout en bout protège un message dont le trajet est invisible.",
  "advice.key.ask": (p) => `${p.person} ne publie pas de clé — demandez-lui la sienne.`,
  "advice.key.get": (p) => `Procurez-vous la clé ${de(p.person)} pour que la signature puisse être vérifiée.`,
  "advice.key.verify": (p) =>
    `Vérifiez que la clé ${p.key} est bien celle ${de(p.person)} (comparez les empreintes), puis marquez-la vérifiée.`,
  "advice.key.verify-person": (p) => `Vérifiez la clé ${de(p.person)} (comparez les empreintes en personne ou par un autre canal).`,
  "advice.known.check": (p) =>
    `Vérifiez l’adresse de ${p.people} avant de vous fier au message ; ajoutez la personne à vos contacts une fois sûr.`,
  "advice.known.no-sender": () => "Méfiance : un message sans expéditeur ne peut être ni vérifié ni reçu de réponse.",
  "advice.link.enable-tls": () => "Activez TLS (IMAPS ou STARTTLS) dans les réglages de ce compte.",
  "advice.link.upgrade-tls": () => "Demandez à votre fournisseur de prendre en charge TLS 1.2 ou plus récent.",
  "advice.remote.block": () => "Gardez le contenu distant bloqué : le charger dit à l’expéditeur quand vous lisez.",
  "advice.remote.block-trackers": (p) => `Bloquez le contenu distant pour ${p.person} : il contient des traqueurs.`,
  "advice.signed.ask": (p) => `Demandez à ${p.person} de signer ses e-mails avec OpenPGP.`,
  "advice.signed.bad": (p) => `Ne vous fiez pas à ce message tant que ${p.person} ne l’a pas confirmé par un autre moyen.`,
  "advice.signed.use-email": () =>
    "Un e-mail signé prouve qui l’a écrit ; un message privé ne montre que ce qu’en dit le serveur.",
  "advice.user.account-tls": (p) => `Activez TLS 1.2 ou plus récent pour votre compte ${p.account}.`,
  "advice.user.contacts": () => "Échangez des clés avec les contacts à qui vous écrivez le plus.",
  "advice.user.create-key": () =>
    "Créez votre clé OpenPGP : elle accompagne vos e-mails pour que vos contacts puissent vous écrire chiffré.",
  "cap.discussion.best-message": (p) => `Aucun message récent de cette discussion ne dépasse ${p.score}.`,
  "cap.mastodon.cross-instance": (p) =>
    `Un message privé Mastodon entre instances est lisible par les administrateurs de ${p.instances}.`,
  "cap.mastodon.same-instance": (p) => `Un message privé Mastodon est lisible par les administrateurs de ${or(p.instances, "l’instance")}.`,
  "cap.x": () => "Un message privé X est lisible par X.",
  "evidence.auth.below-entry": (p) =>
    `Attention : ${p.count} ${s(p.count, "résultat d’authentification a été écrit", "résultats d’authentification ont été écrits")} avant que votre serveur ne reçoive le message (une falsification s’ils nomment votre serveur) ; ignoré${s(p.count, "", "s")}.`,
  "evidence.auth.fail": (p) => `Attention : ${upper(p.method)} ${auth(p.result)}, d’après votre serveur ${p.server}.`,
  "evidence.auth.ignored": (p) =>
    `Les résultats d’authentification écrits par ${p.servers} ont été ignorés : seuls ceux de votre propre serveur font foi.`,
  "evidence.auth.missing": (p) => `Votre serveur n’a enregistré aucun résultat ${upper(p.method)}.`,
  "evidence.auth.network": (p) => `${net(p.network)} a authentifié le compte de l’expéditeur.`,
  "evidence.auth.no-trusted-server": () =>
    "L’identifiant d’authentification de votre serveur n’est pas indiqué : aucun résultat d’authentification ne peut faire foi.",
  "evidence.auth.other": (p) => `${upper(p.method)} a donné « ${p.result} », d’après votre serveur ${p.server}.`,
  "evidence.auth.own": () => "Vous avez écrit ce message.",
  "evidence.auth.pass": (p) => `${upper(p.method)} est valide, d’après votre serveur ${p.server}.`,
  "evidence.channels.email": (p) =>
    `E-mail ${p.address} : protégé par TLS en chemin, lisible par les deux fournisseurs de messagerie.`,
  "evidence.channels.email-pgp": (p) => `E-mail ${p.address} : chiffré de bout en bout avec OpenPGP.`,
  "evidence.channels.mastodon-cross": (p) =>
    `Mastodon ${p.address} : un message privé y est lisible par les administrateurs de deux instances (${p.instance} et la vôtre).`,
  "evidence.channels.mastodon-same": (p) =>
    `Mastodon ${p.address} : un message privé est lisible par les administrateurs de ${p.instance}, qui est aussi votre instance.`,
  "evidence.channels.none": (p) => `Aucun de vos comptes ne peut joindre ${p.person}.`,
  "evidence.channels.x": (p) => `${net(p.network)} ${p.address} : un message privé y est lisible par ${net(p.network)}.`,
  "evidence.contact.key-known": (p) => `${p.person} a une clé OpenPGP pour ${p.address}, pas encore vérifiée.`,
  "evidence.contact.key-verified": (p) => `La clé ${de(p.person)} pour ${p.address} est vérifiée.`,
  "evidence.contact.no-email": (p) => `Aucune adresse e-mail n’est connue pour ${p.person}, donc aucune clé OpenPGP non plus.`,
  "evidence.contact.no-key": (p) => `Aucune clé OpenPGP n’est connue pour ${p.person}.`,
  "evidence.discussion.empty": () => "Pas encore de message.",
  "evidence.discussion.messages": (p) =>
    `Sur ${s(p.count, "le dernier message", `les ${p.count} derniers messages`)} : le plus faible obtient ${p.weakest}, la moyenne ${p.mean}.`,
  "evidence.discussion.participants": (p) => `Le participant le moins protégé, ${or(p.person, "quelqu’un")}, obtient ${p.score}.`,
  "evidence.encrypted.failed": (p) => securityNoteIn(securityNotesFr, p) ?? "Ce message chiffré n’a pas pu être déchiffré.",
  "evidence.encrypted.impossible": (p) => `Les messages privés ${net(p.network)} ne peuvent pas être chiffrés de bout en bout.`,
  "evidence.encrypted.no": () => "Pas chiffré de bout en bout : chaque serveur de messagerie qui l’a transmis pouvait le lire.",
  "evidence.encrypted.yes": () => "Chiffré de bout en bout avec OpenPGP et déchiffré sur cet appareil : aucun serveur n’a pu le lire.",
  "evidence.history.bad-signatures": (p) =>
    `Attention : ${p.count} de ses messages ${s(p.count, "avait une signature qui ne se vérifie pas", "avaient une signature qui ne se vérifie pas")}.`,
  "evidence.history.encrypted": (p) =>
    `${p.share} ${s(p.count, "du message", `des ${p.count} messages`)} ${de(p.person)} ${s(p.count, "était chiffré", "étaient chiffrés")} de bout en bout (réseaux : ${p.networks.split(", ").map(net).join(", ")}).`,
  "evidence.history.none": (p) => `${p.person} ne vous a pas encore écrit.`,
  "evidence.hops.direct": () => "Il est venu directement du serveur de l’expéditeur au vôtre.",
  "evidence.hops.earlier-clear": (p) =>
    `${p.count} ${s(p.of, "étape précédente", `des ${p.of} étapes précédentes`)} ${s(p.count, "n’avait", "n’avaient")} pas TLS (à ${or(p.host, "un serveur sans nom")}).`,
  "evidence.hops.earlier-tls": (p) =>
    `${s(p.count, "L’étape précédente", `Les ${p.count} étapes précédentes`)}, telles que les serveurs de l’expéditeur les ont notées, ${s(p.count, "utilisait", "utilisaient")} TLS.`,
  "evidence.hops.entry-clear": (p) =>
    `Votre serveur ${or(p.by, "(sans nom)")} l’a reçu de ${or(p.from, "(sans nom)")} sans TLS : n’importe qui sur ce trajet pouvait le lire.`,
  "evidence.hops.entry-tls": (p) => `Votre serveur ${or(p.by, "(sans nom)")} l’a reçu de ${or(p.from, "(sans nom)")} avec ${p.tls}.`,
  "evidence.hops.federated": (p) => `Le message a circulé entre les instances ${p.instances}, par un lien que nous ne pouvons pas vérifier.`,
  "evidence.hops.inside-network": (p) => `Le message n’a jamais quitté les serveurs de ${net(p.network)}.`,
  "evidence.hops.local": () => "Le message n’a transité entre aucun des serveurs que nous pouvons voir.",
  "evidence.hops.same-instance": (p) => `Le message n’a jamais quitté l’instance ${p.instance}.`,
  "evidence.hops.unknown": () => "Le message n’enregistre aucune étape : son trajet est invisible.",
  "evidence.keys.known": (p) => `La clé ${de(p.person)} est connue mais pas vérifiée.`,
  "evidence.keys.nobody": () => "Aucun autre participant.",
  "evidence.keys.none": (p) => `Aucune clé n’est connue pour ${p.person}.`,
  "evidence.keys.verified": (p) => `La clé ${de(p.person)} est vérifiée.`,
  "evidence.known.no": (p) => `Pas un contact connu : ${p.people}.`,
  "evidence.known.no-sender": () => "Le message ne nomme aucun expéditeur.",
  "evidence.known.yes": (p) => `${p.person} fait partie de vos contacts.`,
  "evidence.link.clear": () =>
    "Votre propre connexion à votre serveur n’est pas chiffrée : n’importe qui sur votre réseau pouvait lire ce message.",
  "evidence.link.old-tls": (p) => `Votre connexion à votre serveur utilise ${p.tls}, dépassé.`,
  "evidence.link.tls": (p) => `Votre connexion à votre serveur utilise ${or(p.tls, "TLS")}.`,
  "evidence.remote.blocked": (p) =>
    `${s(p.count, "1 chargement distant retenu", `${p.count} chargements distants retenus`)} : personne ne sait quand vous le lisez.`,
  "evidence.remote.loaded": () => "Du contenu distant a été chargé : ses serveurs ont appris quand et où vous l’avez lu.",
  "evidence.remote.none": () => "Aucun contenu distant : l’ouvrir ne prévient personne.",
  "evidence.remote.trackers": (p) =>
    `${s(p.count, "1 traqueur trouvé", `${p.count} traqueurs trouvés`)} (${or(p.hosts, "pixels espions")}).`,
  "evidence.signed.bad": () =>
    "Attention : la signature ne se vérifie pas — le message a été modifié ou ne vient pas de qui il prétend.",
  "evidence.signed.good-known": (p) =>
    `Signé avec la clé connue ${de(p.person)}, ${p.key} : le contenu est le sien et n’a pas changé.`,
  "evidence.signed.good-unknown": (p) => `Signature valide par la clé ${p.key}, pas encore connue comme celle ${de(p.person)}.`,
  "evidence.signed.impossible": (p) => `Les messages privés ${net(p.network)} ne peuvent pas porter de signature OpenPGP.`,
  "evidence.signed.no": () => "Non signé : rien ne prouve qui l’a écrit.",
  "evidence.signed.unchecked": (p) =>
    `Signé, mais la signature n’a pas pu être vérifiée : ${or(p.detail, "la clé manque ou la signature est abîmée.")}`,
  "evidence.user.contacts": (p) => `${s(p.count, "Votre contact obtient", `Vos ${p.count} contacts obtiennent`)} ${p.mean} en moyenne.`,
  "evidence.user.links": (p) =>
    `${p.good} ${s(p.count, "compte sur 1 se connecte", `comptes sur ${p.count} se connectent`)} avec un TLS à jour.`,
  "evidence.user.no-own-key": () => "Vous n’avez pas de clé OpenPGP : personne ne peut vous écrire chiffré.",
  "evidence.user.own-key": () => "Vous avez une clé OpenPGP : on peut vous écrire chiffré.",
};
