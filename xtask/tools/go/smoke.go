// Drives the Go client that openapi-generator generates from the spec
// against the local Toggl clients service: a list, a client created and
// read back, and wrong credentials answered with a plain-text 403.
// `cargo xtask ecosystem` copies it into the generated module's
// cmd/smoke/ and runs it with the service's base URL.
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	toggl "github.com/example/toggl-clients"
)

const ws = 1234567

var passed, failed int

func check(what string, ok bool) {
	if ok {
		passed++
	} else {
		failed++
		fmt.Println("FAILED:", what)
	}
}

func client(base, token string) (*toggl.APIClient, context.Context) {
	cfg := toggl.NewConfiguration()
	cfg.Servers = toggl.ServerConfigurations{{URL: base}}
	ctx := context.WithValue(context.Background(), toggl.ContextBasicAuth,
		toggl.BasicAuth{UserName: token, Password: "api_token"})
	return toggl.NewAPIClient(cfg), ctx
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: smoke BASE_URL")
		os.Exit(2)
	}
	base := os.Args[1]
	api, ctx := client(base, "demo-api-token")

	listed, _, err := api.ClientsAPI.ListClients(ctx, ws).Status(toggl.BOTH).Execute()
	check("list answers the demo clients", err == nil && len(listed) == 3)

	created, _, err := api.ClientsAPI.CreateClient(ctx, ws).
		ClientCreate(*toggl.NewClientCreate("Go Client")).Execute()
	check("create answers the client", err == nil && created != nil && created.Name == "Go Client")
	if created != nil {
		fetched, _, err := api.ClientsAPI.GetClient(ctx, ws, created.Id).Execute()
		check("get answers the same client", err == nil && fetched.Id == created.Id)
	}

	wrong, wrongCtx := client(base, "wrong-token")
	_, resp, err := wrong.ClientsAPI.ListClients(wrongCtx, ws).Execute()
	body := ""
	if resp != nil {
		if b, readErr := io.ReadAll(resp.Body); readErr == nil {
			body = string(b)
		}
	}
	if apiErr, ok := err.(*toggl.GenericOpenAPIError); ok && body == "" {
		body = string(apiErr.Body())
	}
	check("wrong credentials are a plain-text 403",
		err != nil && resp != nil && resp.StatusCode == 403 && body == "Incorrect username and/or password")

	fmt.Printf("%d passed, %d failed\n", passed, failed)
	if failed > 0 {
		os.Exit(1)
	}
}
