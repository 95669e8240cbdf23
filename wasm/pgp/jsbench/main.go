//go:build js && wasm

// Command jsbench exposes Caliopen's OpenPGP encrypt+sign and decrypt+verify to JavaScript,
// so web/bench/pgp.mjs can time them against OpenPGP.js in the same browser worker.
//
//	caliopenPGPBench.setup()            -> {alicePriv, alicePub, bobPriv, bobPub} (armored)
//	caliopenPGPBench.encryptSign(bytes) -> armored message from alice to bob
//	caliopenPGPBench.decryptVerify(str) -> true when bob decrypts it and alice's signature is good
package main

import (
	"syscall/js"

	"caliopen/wasm/model"
	"caliopen/wasm/pgp"
)

var (
	alice, bob       *pgp.SecretKey
	alicePub, bobPub *pgp.PublicKey
	bobKeys          pgp.Keys
)

func main() {
	js.Global().Set("caliopenPGPBench", js.ValueOf(map[string]any{
		"setup":         js.FuncOf(setup),
		"encryptSign":   js.FuncOf(encryptSign),
		"decryptVerify": js.FuncOf(decryptVerify),
	}))
	select {}
}

func setup(js.Value, []js.Value) any {
	var err error
	if alice, err = pgp.Generate("Alice", "alice@example.test"); err != nil {
		return js.Global().Get("Error").New(err.Error())
	}
	if bob, err = pgp.Generate("Bob", "bob@example.test"); err != nil {
		return js.Global().Get("Error").New(err.Error())
	}
	alicePub, _ = alice.Public()
	bobPub, _ = bob.Public()
	ring := pgp.NewRing()
	ring.Add("alice@example.test", alicePub, pgp.SourceImport)
	bobKeys = pgp.Keys{Own: []*pgp.SecretKey{bob}, Contacts: ring}
	// OpenPGP.js gets the same keys, protected with a passphrase it is told
	alicePriv, _ := alice.ExportSecret([]byte("bench"))
	bobPriv, _ := bob.ExportSecret([]byte("bench"))
	aPub, _ := alicePub.Armored()
	bPub, _ := bobPub.Armored()
	return js.ValueOf(map[string]any{"alicePriv": alicePriv, "alicePub": aPub, "bobPriv": bobPriv, "bobPub": bPub, "passphrase": "bench"})
}

func encryptSign(_ js.Value, args []js.Value) any {
	plain := make([]byte, args[0].Get("length").Int())
	js.CopyBytesToGo(plain, args[0])
	out, err := pgp.EncryptAndSign(plain, alice, []*pgp.PublicKey{bobPub})
	if err != nil {
		return js.Global().Get("Error").New(err.Error())
	}
	return string(out)
}

func decryptVerify(_ js.Value, args []js.Value) any {
	_, sec := pgp.DecryptAndVerify([]byte(args[0].String()), bobKeys, "alice@example.test")
	return sec.Encrypted && sec.Signature == model.SigGoodKnown
}
