package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
)

// subKey derives a key for one purpose from the server secret, so a value
// sealed or hashed for one use is worthless for another.
func subKey(secret []byte, purpose string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("switchboard/" + purpose))
	return m.Sum(nil)
}

// Seal encrypts plain with AES-256-GCM under the server secret (random nonce
// first); purpose binds it to one use (it is the additional data too).
func Seal(secret []byte, purpose, plain string) ([]byte, error) {
	g, err := gcm(secret, purpose)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, g.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return g.Seal(nonce, nonce, []byte(plain), []byte(purpose)), nil
}

// Open decrypts what Seal made for the same purpose; a changed secret key
// fails here.
func Open(secret []byte, purpose string, sealed []byte) (string, error) {
	g, err := gcm(secret, purpose)
	if err != nil {
		return "", err
	}
	if len(sealed) < g.NonceSize() {
		return "", errors.New("sealed value too short")
	}
	out, err := g.Open(nil, sealed[:g.NonceSize()], sealed[g.NonceSize():], []byte(purpose))
	if err != nil {
		return "", fmt.Errorf("open sealed %s (was the secret key changed?): %w", purpose, err)
	}
	return string(out), nil
}

func gcm(secret []byte, purpose string) (cipher.AEAD, error) {
	block, err := aes.NewCipher(subKey(secret, "seal:"+purpose))
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
