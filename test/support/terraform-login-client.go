// The client half of `terraform login`, written the way Terraform's own command does it
// (internal/command/login.go: interactiveGetTokenByCode) with the same library, golang.org/x/oauth2:
// service discovery, a loopback listener on the first free port of login.v1's range, the
// authorization URL with a PKCE S256 challenge of a UUID-plus-digits proof key, the state check on
// the callback, and Exchange with the code_verifier (client_id in the body, AuthStyleInParams).
//
// Usage: terraform-login-client <gateway base URL>. Prints "AUTHZ <url>" (the URL Terraform would
// open in the browser), then "TOKEN <access token>" once the exchange succeeds, or "ERROR ..." and
// exits 1.
package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"

	"golang.org/x/oauth2"
)

type loginV1 struct {
	Client     string   `json:"client"`
	GrantTypes []string `json:"grant_types"`
	Authz      string   `json:"authz"`
	Token      string   `json:"token"`
	Ports      []int    `json:"ports"`
}

func fail(format string, args ...interface{}) {
	fmt.Printf("ERROR "+format+"\n", args...)
	os.Exit(1)
}

func uuidLike() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		fail("random: %v", err)
	}
	h := hex.EncodeToString(b)
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[0:8], h[8:12], h[12:16], h[16:20], h[20:32])
}

func main() {
	base, err := url.Parse(os.Args[1])
	if err != nil {
		fail("bad URL: %v", err)
	}
	res, err := http.Get(base.ResolveReference(&url.URL{Path: "/.well-known/terraform.json"}).String())
	if err != nil {
		fail("discovery: %v", err)
	}
	var services map[string]json.RawMessage
	if err := json.NewDecoder(res.Body).Decode(&services); err != nil {
		fail("discovery JSON: %v", err)
	}
	var login loginV1
	if err := json.Unmarshal(services["login.v1"], &login); err != nil {
		fail("login.v1: %v", err)
	}
	authz, _ := url.Parse(login.Authz)
	token, _ := url.Parse(login.Token)

	// Terraform's proofKey(): a UUID-like random string plus nine digits; S256 of it.
	n, _ := rand.Int(rand.Reader, big.NewInt(999999999))
	proofKey := fmt.Sprintf("%s.%09d", uuidLike(), n.Int64())
	sum := sha256.Sum256([]byte(proofKey))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])
	state := uuidLike()

	var listener net.Listener
	var port int
	for p := login.Ports[0]; p <= login.Ports[len(login.Ports)-1]; p++ {
		if l, err := net.Listen("tcp4", fmt.Sprintf("127.0.0.1:%d", p)); err == nil {
			listener, port = l, p
			break
		}
	}
	if listener == nil {
		fail("no free port in %v", login.Ports)
	}
	conf := &oauth2.Config{
		ClientID: login.Client,
		Endpoint: oauth2.Endpoint{
			AuthURL:   base.ResolveReference(authz).String(),
			TokenURL:  base.ResolveReference(token).String(),
			AuthStyle: oauth2.AuthStyleInParams,
		},
		RedirectURL: fmt.Sprintf("http://localhost:%d/login", port),
	}

	codes := make(chan string, 1)
	server := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/login" {
			http.NotFound(w, r)
			return
		}
		if r.URL.Query().Get("state") != state {
			w.WriteHeader(400)
			fmt.Fprint(w, "state mismatch")
			return
		}
		if e := r.URL.Query().Get("error"); e != "" {
			fmt.Fprint(w, "error: "+e)
			codes <- ""
			return
		}
		fmt.Fprint(w, "The login server has returned an authentication code to Terraform.")
		codes <- r.URL.Query().Get("code")
	})}
	go server.Serve(listener)

	fmt.Printf("AUTHZ %s\n", conf.AuthCodeURL(state, oauth2.SetAuthURLParam("code_challenge", challenge), oauth2.SetAuthURLParam("code_challenge_method", "S256")))
	var code string
	select {
	case code = <-codes:
	case <-time.After(60 * time.Second):
		fail("no callback within 60 s")
	}
	if code == "" {
		fail("the authorization server answered with an error")
	}
	tok, err := conf.Exchange(context.Background(), code, oauth2.SetAuthURLParam("code_verifier", proofKey))
	if err != nil {
		fail("exchange: %v", err)
	}
	fmt.Printf("TOKEN %s\n", tok.AccessToken)
	server.Close()
}
