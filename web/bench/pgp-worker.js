// Dedicated worker for the OpenPGP benchmark: loads Caliopen's Go core build of gopenpgp
// (pgp.wasm) and OpenPGP.js side by side, times encrypt+sign and decrypt+verify of the same
// 10 KB message with the same Curve25519 keys, and posts the medians (ms).
/* global Go, openpgp, caliopenPGPBench */
importScripts("/wasm_exec.js", "/openpgp.min.js");

const SIZE = 10 * 1024;
const WARMUP = 5;
const RUNS = 41;
// each sample times a batch: a worker's performance.now() is coarse (0.1 ms) without
// cross-origin isolation, and one operation takes about a millisecond
const BATCH = 5;

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function batch(fn) {
  const t = performance.now();
  for (let j = 0; j < BATCH; j++) await fn();
  return (performance.now() - t) / BATCH;
}

// Times two implementations of one operation side by side: their batches alternate (and
// which goes first alternates), so a busy moment on the machine falls on both alike.
async function timePair(a, b) {
  for (let i = 0; i < WARMUP; i++) {
    await a();
    await b();
  }
  const as = [];
  const bs = [];
  for (let i = 0; i < RUNS; i++) {
    if (i % 2 === 0) {
      as.push(await batch(a));
      bs.push(await batch(b));
    } else {
      bs.push(await batch(b));
      as.push(await batch(a));
    }
  }
  return [median(as), median(bs)];
}

async function run() {
  const go = new Go();
  const { instance } = await WebAssembly.instantiateStreaming(fetch("/pgp.wasm"), go.importObject);
  go.run(instance);
  while (!self.caliopenPGPBench) await new Promise((r) => setTimeout(r, 10));
  const keys = caliopenPGPBench.setup();
  if (keys instanceof Error) throw keys;

  const pass = keys.passphrase;
  const unlock = async (armored) =>
    openpgp.decryptKey({ privateKey: await openpgp.readPrivateKey({ armoredKey: armored }), passphrase: pass });
  const alicePriv = await unlock(keys.alicePriv);
  const bobPriv = await unlock(keys.bobPriv);
  const alicePub = await openpgp.readKey({ armoredKey: keys.alicePub });
  const bobPub = await openpgp.readKey({ armoredKey: keys.bobPub });

  const text = "Caliopen benchmark line, the same for both libraries.\r\n";
  const plain = new TextEncoder().encode(text.repeat(Math.ceil(SIZE / text.length)).slice(0, SIZE));

  // both sides encrypt to the recipient and to the sender, as the app does
  const jsEncrypt = async () =>
    openpgp.encrypt({
      message: await openpgp.createMessage({ binary: plain }),
      encryptionKeys: [bobPub, alicePub],
      signingKeys: alicePriv,
    });
  const goEncrypt = () => {
    const out = caliopenPGPBench.encryptSign(plain);
    if (out instanceof Error) throw out;
    return out;
  };

  // one ciphertext, made by the Go side, decrypted by both; each side checks the other's output first
  const ciphertext = goEncrypt();
  const jsDecrypt = async () => {
    const { data, signatures } = await openpgp.decrypt({
      message: await openpgp.readMessage({ armoredMessage: ciphertext }),
      decryptionKeys: bobPriv,
      verificationKeys: alicePub,
      expectSigned: true,
      format: "binary",
    });
    await signatures[0].verified;
    return data;
  };
  const goDecrypt = () => {
    if (!caliopenPGPBench.decryptVerify(ciphertext)) throw new Error("Go: decrypt+verify failed");
  };
  const fromJS = await jsEncrypt();
  if (!caliopenPGPBench.decryptVerify(fromJS)) throw new Error("Go cannot decrypt+verify OpenPGP.js output");
  if ((await jsDecrypt()).length !== SIZE) throw new Error("OpenPGP.js: wrong plaintext");

  const [encryptSignWasm, encryptSignJS] = await timePair(goEncrypt, jsEncrypt);
  const [decryptVerifyWasm, decryptVerifyJS] = await timePair(goDecrypt, jsDecrypt);
  return { encryptSignWasm, encryptSignJS, decryptVerifyWasm, decryptVerifyJS, openpgpjsVersion: openpgp.config.versionString };
}

run().then(
  (r) => postMessage({ ok: true, ...r }),
  (e) => postMessage({ ok: false, error: String(e && e.stack ? e.stack : e) }),
);
