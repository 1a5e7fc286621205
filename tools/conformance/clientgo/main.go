// Command clientgo drives the real Go client (tikv/client-go v2) against a running
// tikv-sim-server, to show the simulated cluster answers the way TiKV and PD do. It does raw
// put / get / scan / delete and an optimistic transaction that meets a write conflict, printing
// each step; it exits non-zero on the first surprise.
//
//	go run . --pd 127.0.0.1:2379
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	tikverr "github.com/tikv/client-go/v2/error"
	"github.com/tikv/client-go/v2/config"
	"github.com/tikv/client-go/v2/rawkv"
	"github.com/tikv/client-go/v2/txnkv"
)

func fail(format string, args ...any) {
	fmt.Printf("FAIL: "+format+"\n", args...)
	os.Exit(1)
}

func step(format string, args ...any) {
	fmt.Printf("ok: "+format+"\n", args...)
}

func raw(ctx context.Context, pd string) {
	cli, err := rawkv.NewClientWithOpts(ctx, []string{pd})
	if err != nil {
		fail("raw client: %v", err)
	}
	defer cli.Close()
	keys := []string{"conf/a", "conf/b", "conf/m", "conf/z"}
	for _, k := range keys {
		if err := cli.Put(ctx, []byte(k), []byte("v-"+k)); err != nil {
			fail("raw put %s: %v", k, err)
		}
	}
	step("raw put %d keys", len(keys))
	v, err := cli.Get(ctx, []byte("conf/m"))
	if err != nil || !bytes.Equal(v, []byte("v-conf/m")) {
		fail("raw get conf/m = %q, %v", v, err)
	}
	step("raw get conf/m = %q", v)
	missing, err := cli.Get(ctx, []byte("conf/missing"))
	if err != nil || missing != nil {
		fail("raw get of a missing key = %q, %v", missing, err)
	}
	step("raw get of a missing key = nil")
	ks, vs, err := cli.Scan(ctx, []byte("conf/"), []byte("conf0"), 10)
	if err != nil || len(ks) != len(keys) {
		fail("raw scan returned %d keys, %v", len(ks), err)
	}
	for i := range ks {
		if string(ks[i]) != keys[i] || string(vs[i]) != "v-"+keys[i] {
			fail("raw scan row %d = %q=%q", i, ks[i], vs[i])
		}
	}
	step("raw scan [conf/, conf0) = %d keys in order", len(ks))
	if err := cli.Delete(ctx, []byte("conf/b")); err != nil {
		fail("raw delete: %v", err)
	}
	if v, err := cli.Get(ctx, []byte("conf/b")); err != nil || v != nil {
		fail("raw get after delete = %q, %v", v, err)
	}
	step("raw delete conf/b, then get = nil")
}

func txn(ctx context.Context, pd string) {
	cli, err := txnkv.NewClient([]string{pd})
	if err != nil {
		fail("txn client: %v", err)
	}
	defer cli.Close()
	t0, err := cli.Begin()
	if err != nil {
		fail("begin: %v", err)
	}
	if err := t0.Set([]byte("txn/k"), []byte("v0")); err != nil {
		fail("set: %v", err)
	}
	if err := t0.Commit(ctx); err != nil {
		fail("commit t0: %v", err)
	}
	step("txn t0 committed txn/k=v0")

	t1, _ := cli.Begin()
	t2, _ := cli.Begin()
	e, err := t2.Get(ctx, []byte("txn/k"))
	if err != nil || string(e.Value) != "v0" {
		fail("t2 get = %q, %v", e.Value, err)
	}
	t1.Set([]byte("txn/k"), []byte("v1"))
	t2.Set([]byte("txn/k"), []byte("v2"))
	if err := t1.Commit(ctx); err != nil {
		fail("commit t1: %v", err)
	}
	step("txn t1 committed txn/k=v1")
	err = t2.Commit(ctx)
	if err == nil || !tikverr.IsErrWriteConflict(err) {
		fail("commit t2 should be a write conflict, got %v", err)
	}
	step("txn t2 commit failed with a write conflict: %v", err)

	t3, _ := cli.Begin()
	e, err = t3.Get(ctx, []byte("txn/k"))
	if err != nil || string(e.Value) != "v1" {
		fail("t3 get = %q, %v", e.Value, err)
	}
	t3.Rollback()
	step("txn t3 reads txn/k=v1")
}

func main() {
	pd := flag.String("pd", "127.0.0.1:2379", "PD address of the sim server")
	timeout := flag.Duration("timeout", 60*time.Second, "give up after this long")
	flag.Parse()
	config.UpdateGlobal(func(c *config.Config) {})
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	raw(ctx, *pd)
	txn(ctx, *pd)
	fmt.Println("client-go conformance: all steps passed")
}
