// tlogcheck: an independent C2SP tlog-tiles client for tollgate's v2 ledger, written only
// against Go's golang.org/x/mod/sumdb/note and golang.org/x/mod/sumdb/tlog (the code behind
// Go's checksum database). tests/cli/tlog_interop.rs builds it and runs it on logs the
// tollgate binary wrote; nothing here shares code with tollgate.
//
// Build it offline with Debian's packages (`apt-get install -y golang-go
// golang-golang-x-mod-dev`, as .ci/setup.d/55-go-sumdb.sh does):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode:$(mktemp -d) GOFLAGS= \
//	  go build -o tlogcheck tests/interop/go/tlogcheck.go
//
// Subcommands (VKEY is `tollgate audit vkey` output, repeatable: a checkpoint signed by any
// of them is the log's; ORIGIN is the log's origin line):
//
//	tlogcheck checkpoint  -vkey VKEY -origin ORIGIN CHECKPOINT_FILE
//	    verify the checkpoint's note signature and parse it (size, root).
//	tlogcheck log         -vkey VKEY -origin ORIGIN -store DIR
//	    verify DIR/checkpoint, read every entry bundle (tile/entries/...) and the hash tiles
//	    (tile/<L>/...), check every record's leaf against the tree with tlog.TileHashReader,
//	    tlog.ProveRecord and tlog.CheckRecord, and that the tree hash equals the root.
//	tlogcheck consistency -vkey VKEY -origin ORIGIN -store DIR OLD_CHECKPOINT NEW_CHECKPOINT
//	    verify both notes, prove NEW extends OLD with tlog.ProveTree over DIR's tiles, check
//	    the proof with tlog.CheckTree.
//	tlogcheck inclusion   -vkey VKEY -origin ORIGIN PROOF_JSON
//	    `tollgate audit prove` output: verify its checkpoint note, then tlog.CheckRecord on
//	    the record (`entry`), its `index` and the audit path (`hashes`).
//
// Each prints what it checked and exits 0; any failure exits 1 with the reason on stderr.
// Go's tlog names tiles tile/8/<L>/<N> and tile/8/data/<N>; C2SP drops the height segment
// and names data tiles "entries" (tilePath below). Tile contents are the same.
package main

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const tileHeight = 8

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	cmd, args := os.Args[1], os.Args[2:]
	fset := flag.NewFlagSet(cmd, flag.ExitOnError)
	var vkeys vkeyList
	fset.Var(&vkeys, "vkey", "note verifier key of the log (`tollgate audit vkey`); repeatable: the verdict key and ops keys")
	origin := fset.String("origin", "", "the log's origin (first line of its checkpoint)")
	store := fset.String("store", "", "v2 store directory")
	if err := fset.Parse(args); err != nil {
		fail(err)
	}
	if len(vkeys) == 0 || *origin == "" {
		fail(errors.New("-vkey and -origin are required"))
	}
	c := checker{origin: *origin}
	for _, vkey := range vkeys {
		verifier, err := note.NewVerifier(vkey)
		if err != nil {
			fail(fmt.Errorf("-vkey %q: %v", vkey, err))
		}
		if verifier.Name() != *origin {
			fail(fmt.Errorf("-vkey %q names %q but the origin is %q: the checkpoint's key name is its origin", vkey, verifier.Name(), *origin))
		}
		c.verifiers = append(c.verifiers, verifier)
	}
	var err error
	rest := fset.Args()
	switch {
	case cmd == "checkpoint" && len(rest) == 1:
		_, err = c.checkpointFile(rest[0])
	case cmd == "log" && len(rest) == 0 && *store != "":
		err = c.log(*store)
	case cmd == "consistency" && len(rest) == 2 && *store != "":
		err = c.consistency(*store, rest[0], rest[1])
	case cmd == "inclusion" && len(rest) == 1:
		err = c.inclusion(rest[0])
	default:
		usage()
	}
	if err != nil {
		fail(err)
	}
	fmt.Println("ok")
}

func usage() {
	fmt.Fprintln(os.Stderr, `usage:
  tlogcheck checkpoint  -vkey VKEY -origin ORIGIN CHECKPOINT_FILE
  tlogcheck log         -vkey VKEY -origin ORIGIN -store DIR
  tlogcheck consistency -vkey VKEY -origin ORIGIN -store DIR OLD_CHECKPOINT NEW_CHECKPOINT
  tlogcheck inclusion   -vkey VKEY -origin ORIGIN PROOF_JSON`)
	os.Exit(2)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "tlogcheck: FAILED:", err)
	os.Exit(1)
}

type checker struct {
	verifiers []note.Verifier
	origin    string
}

// vkeyList collects repeated -vkey flags.
type vkeyList []string

func (l *vkeyList) String() string     { return strings.Join(*l, ",") }
func (l *vkeyList) Set(v string) error { *l = append(*l, v); return nil }

// checkpoint verifies a signed checkpoint note and parses its body (c2sp.org/tlog-checkpoint:
// origin, decimal size, base64 root, optional extension lines).
func (c checker) checkpoint(what string, msg []byte) (tlog.Tree, error) {
	n, err := note.Open(msg, note.VerifierList(c.verifiers...))
	if err != nil {
		return tlog.Tree{}, fmt.Errorf("%s: note.Open with the -vkey key(s) %s: %v", what, c.keyHashes(), err)
	}
	lines := strings.Split(strings.TrimSuffix(n.Text, "\n"), "\n")
	if len(lines) < 3 {
		return tlog.Tree{}, fmt.Errorf("%s: checkpoint body has %d lines, want origin, size and root", what, len(lines))
	}
	if lines[0] != c.origin {
		return tlog.Tree{}, fmt.Errorf("%s: origin line %q, want %q", what, lines[0], c.origin)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		return tlog.Tree{}, fmt.Errorf("%s: size line %q is not a decimal tree size", what, lines[1])
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != tlog.HashSize {
		return tlog.Tree{}, fmt.Errorf("%s: root line %q is not a base64 SHA-256 hash", what, lines[2])
	}
	tree := tlog.Tree{N: size}
	copy(tree.Hash[:], root)
	for _, sig := range n.Sigs {
		fmt.Printf("%s: note signature by %s (key hash %08x) verified with golang.org/x/mod/sumdb/note\n", what, sig.Name, sig.Hash)
	}
	fmt.Printf("%s: origin %q, size %d, root %s\n", what, c.origin, tree.N, lines[2])
	if len(n.UnverifiedSigs) > 0 {
		fmt.Printf("%s: %d further signature(s) by other keys (cosignatures) not checked\n", what, len(n.UnverifiedSigs))
	}
	return tree, nil
}

// keyHashes names the trusted keys for messages: name+hash, comma-separated.
func (c checker) keyHashes() string {
	var names []string
	for _, v := range c.verifiers {
		names = append(names, fmt.Sprintf("%s+%08x", v.Name(), v.KeyHash()))
	}
	return strings.Join(names, ", ")
}

func (c checker) checkpointFile(path string) (tlog.Tree, error) {
	msg, err := os.ReadFile(path)
	if err != nil {
		return tlog.Tree{}, err
	}
	return c.checkpoint(path, msg)
}

// log checks a whole store: checkpoint signature, tree hash from the hash tiles, and every
// record of the entry bundles against the tree.
func (c checker) log(store string) error {
	tree, err := c.checkpointFile(filepath.Join(store, "checkpoint"))
	if err != nil {
		return err
	}
	tiles := &tileReader{store: store}
	if tree.N == 0 {
		if tree.Hash != tlog.Hash(sha256Empty()) {
			return fmt.Errorf("empty tree with root %s, want SHA-256 of the empty string", tree.Hash)
		}
		fmt.Println("log: empty tree, root is SHA-256(\"\")")
		return nil
	}
	// The tree hash straight from the tiles (unauthenticated reads) must be the root...
	raw := func(indexes []int64) ([]tlog.Hash, error) { return tiles.rawHashes(tree.N, indexes) }
	th, err := tlog.TreeHash(tree.N, tlog.HashReaderFunc(raw))
	if err != nil {
		return fmt.Errorf("tree hash from the hash tiles: %v", err)
	}
	if th != tree.Hash {
		return fmt.Errorf("the hash tiles give tree hash %s, the checkpoint says %s", th, tree.Hash)
	}
	fmt.Printf("log: hash tiles give tree hash %s (tlog.TreeHash), equal to the checkpoint root\n", th)
	// ...and every record must be in that tree, at its index (tiles authenticated by
	// tlog.TileHashReader against the checkpoint's tree on every read).
	hr := tlog.TileHashReader(tree, tiles)
	bundles := 0
	for start := int64(0); start < tree.N; start += 1 << tileHeight {
		w := tree.N - start
		if w > 1<<tileHeight {
			w = 1 << tileHeight
		}
		t := tlog.Tile{H: tileHeight, L: -1, N: start >> tileHeight, W: int(w)}
		records, err := tiles.bundle(t)
		if err != nil {
			return err
		}
		bundles++
		for i, rec := range records {
			index := start + int64(i)
			proof, err := tlog.ProveRecord(tree.N, index, hr)
			if err != nil {
				return fmt.Errorf("tlog.ProveRecord for record %d (%s): %v", index, tilePath(t), err)
			}
			if err := tlog.CheckRecord(proof, tree.N, tree.Hash, index, tlog.RecordHash(rec)); err != nil {
				return fmt.Errorf("record %d (%s, record %d of the bundle) is not the tree's leaf %d: tlog.CheckRecord: %v",
					index, tilePath(t), i, index, err)
			}
			if err := checkSeq(rec, index); err != nil {
				return fmt.Errorf("%s record %d: %v", tilePath(t), i, err)
			}
		}
	}
	fmt.Printf("log: %d records in %d entry bundle(s) each proved in the tree (tlog.ProveRecord + tlog.CheckRecord, leaf = tlog.RecordHash of the record), each naming seq = index + 1\n",
		tree.N, bundles)
	return nil
}

// consistency proves with ProveTree over the store's tiles that NEW extends OLD.
func (c checker) consistency(store, oldPath, newPath string) error {
	old, err := c.checkpointFile(oldPath)
	if err != nil {
		return err
	}
	cur, err := c.checkpointFile(newPath)
	if err != nil {
		return err
	}
	if old.N > cur.N {
		return fmt.Errorf("%s has size %d, larger than %s's %d", oldPath, old.N, newPath, cur.N)
	}
	if old.N == 0 {
		if old.Hash != tlog.Hash(sha256Empty()) {
			return fmt.Errorf("%s: empty tree with root %s, want SHA-256 of the empty string", oldPath, old.Hash)
		}
		fmt.Println("consistency: the old tree is empty, consistent with every tree")
		return nil
	}
	hr := tlog.TileHashReader(cur, &tileReader{store: store})
	proof, err := tlog.ProveTree(cur.N, old.N, hr)
	if err != nil {
		return fmt.Errorf("tlog.ProveTree(%d, %d) over %s's tiles: %v", cur.N, old.N, store, err)
	}
	if err := tlog.CheckTree(proof, cur.N, cur.Hash, old.N, old.Hash); err != nil {
		return fmt.Errorf("tree of size %d (%s) does not extend tree of size %d (%s): tlog.CheckTree: %v",
			cur.N, newPath, old.N, oldPath, err)
	}
	fmt.Printf("consistency: tree %d extends tree %d (tlog.ProveTree over the tiles, %d hashes, checked with tlog.CheckTree)\n",
		cur.N, old.N, len(proof))
	return nil
}

// inclusionProof is `tollgate audit prove` output (fields this checker relies on).
type inclusionProof struct {
	Index      *int64   `json:"index"`
	TreeSize   *int64   `json:"tree_size"`
	Hashes     []string `json:"hashes"`
	Entry      *string  `json:"entry"`
	Checkpoint *string  `json:"checkpoint"`
}

func (c checker) inclusion(path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var p inclusionProof
	if err := json.Unmarshal(raw, &p); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	if p.Index == nil || p.TreeSize == nil || p.Hashes == nil || p.Entry == nil || p.Checkpoint == nil {
		return fmt.Errorf("%s: want fields index, tree_size, hashes, entry and checkpoint", path)
	}
	tree, err := c.checkpoint(path+" checkpoint", []byte(*p.Checkpoint))
	if err != nil {
		return err
	}
	if *p.TreeSize != tree.N {
		return fmt.Errorf("%s: tree_size %d, but its checkpoint has size %d", path, *p.TreeSize, tree.N)
	}
	if *p.Index < 0 || *p.Index >= tree.N {
		return fmt.Errorf("%s: index %d is outside the tree of size %d", path, *p.Index, tree.N)
	}
	record, err := base64.StdEncoding.DecodeString(*p.Entry)
	if err != nil {
		return fmt.Errorf("%s: entry is not base64: %v", path, err)
	}
	proof := make(tlog.RecordProof, len(p.Hashes))
	for i, h := range p.Hashes {
		b, err := base64.StdEncoding.DecodeString(h)
		if err != nil || len(b) != tlog.HashSize {
			return fmt.Errorf("%s: hashes[%d] %q is not a base64 SHA-256 hash", path, i, h)
		}
		copy(proof[i][:], b)
	}
	if err := tlog.CheckRecord(proof, tree.N, tree.Hash, *p.Index, tlog.RecordHash(record)); err != nil {
		return fmt.Errorf("%s: record %d is not in the tree of size %d: tlog.CheckRecord: %v", path, *p.Index, tree.N, err)
	}
	if err := checkSeq(record, *p.Index); err != nil {
		return fmt.Errorf("%s: entry: %v", path, err)
	}
	fmt.Printf("inclusion: record %d (%d bytes) is in the tree of size %d (tlog.CheckRecord, %d-hash audit path)\n",
		*p.Index, len(record), tree.N, len(proof))
	return nil
}

// checkSeq: a tollgate record is canonical JSON naming its own place (seq = index + 1).
func checkSeq(record []byte, index int64) error {
	var r struct {
		Seq *int64 `json:"seq"`
	}
	if err := json.Unmarshal(record, &r); err != nil {
		return fmt.Errorf("not a JSON record: %v", err)
	}
	if r.Seq == nil {
		return errors.New("the record has no seq")
	}
	if *r.Seq != index+1 {
		return fmt.Errorf("the record names seq %d, its index is %d (want seq %d)", *r.Seq, index, index+1)
	}
	return nil
}

// tilePath maps Go's tile path (tile/8/<L>/<N>, tile/8/data/<N>) to C2SP's (tile/<L>/<N>,
// tile/entries/<N>).
func tilePath(t tlog.Tile) string {
	p := strings.TrimPrefix(t.Path(), fmt.Sprintf("tile/%d/", tileHeight))
	if strings.HasPrefix(p, "data/") {
		return "tile/entries/" + strings.TrimPrefix(p, "data/")
	}
	return "tile/" + p
}

// tileReader reads C2SP tiles from a store directory. A partial tile that was replaced by a
// wider one (the writer garbage-collects old partials) is read from the full tile or the
// narrowest wider partial and truncated: tiles only grow by appending.
type tileReader struct {
	store string
	cache map[tlog.Tile][]byte
}

func (r *tileReader) Height() int { return tileHeight }

func (r *tileReader) SaveTiles([]tlog.Tile, [][]byte) {}

func (r *tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		data, err := r.hashTile(t)
		if err != nil {
			return nil, err
		}
		out[i] = data
	}
	return out, nil
}

func (r *tileReader) hashTile(t tlog.Tile) ([]byte, error) {
	if data, ok := r.cache[t]; ok {
		return data, nil
	}
	data, from, err := r.read(t)
	if err != nil {
		return nil, err
	}
	if len(data) < t.W*tlog.HashSize {
		return nil, fmt.Errorf("%s: %d bytes, want %d hashes (%d bytes)", from, len(data), t.W, t.W*tlog.HashSize)
	}
	if len(data)%tlog.HashSize != 0 {
		return nil, fmt.Errorf("%s: %d bytes is not a whole number of hashes", from, len(data))
	}
	data = data[:t.W*tlog.HashSize]
	if r.cache == nil {
		r.cache = map[tlog.Tile][]byte{}
	}
	r.cache[t] = data
	return data, nil
}

// rawHashes reads stored hashes of the tree of size n straight from its tiles (the widths
// that tree has), authenticating nothing.
func (r *tileReader) rawHashes(n int64, indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		level, at := tlog.SplitStoredHashIndex(x)
		t := tlog.TileForIndex(tileHeight, x)
		// TileForIndex gives the narrowest tile holding x; read the tile as tree n has it.
		t.W = 1 << tileHeight
		if rest := n>>(uint(t.L)*tileHeight) - t.N<<tileHeight; rest < int64(t.W) {
			t.W = int(rest)
		}
		data, err := r.hashTile(t)
		if err != nil {
			return nil, fmt.Errorf("hash at level %d, index %d: %v", level, at, err)
		}
		h, err := tlog.HashFromTile(t, data, x)
		if err != nil {
			return nil, err
		}
		out[i] = h
	}
	return out, nil
}

// bundle reads the entry bundle t and returns its first t.W records.
func (r *tileReader) bundle(t tlog.Tile) ([][]byte, error) {
	data, from, err := r.read(t)
	if err != nil {
		return nil, err
	}
	var records [][]byte
	rest := data
	for len(records) < t.W {
		if len(rest) == 0 {
			return nil, fmt.Errorf("%s: %d records, the checkpoint needs %d", from, len(records), t.W)
		}
		if len(rest) < 2 {
			return nil, fmt.Errorf("%s: a truncated length prefix after record %d", from, len(records))
		}
		n := int(binary.BigEndian.Uint16(rest))
		if len(rest)-2 < n {
			return nil, fmt.Errorf("%s: record %d says %d bytes, %d remain", from, len(records), n, len(rest)-2)
		}
		records = append(records, rest[2:2+n])
		rest = rest[2+n:]
	}
	if from == tilePath(t) && len(rest) != 0 {
		return nil, fmt.Errorf("%s: %d bytes after its %d records", from, len(rest), t.W)
	}
	return records, nil
}

// read returns tile t's bytes and the path they came from: t's own path, else the full
// tile, else the narrowest wider partial.
func (r *tileReader) read(t tlog.Tile) ([]byte, string, error) {
	want := tilePath(t)
	candidates := []tlog.Tile{t}
	full := 1 << tileHeight
	if t.W < full {
		wider := t
		wider.W = full
		candidates = append(candidates, wider)
		for w := t.W + 1; w < full; w++ {
			wider.W = w
			candidates = append(candidates, wider)
		}
	}
	for _, c := range candidates {
		p := tilePath(c)
		data, err := os.ReadFile(filepath.Join(r.store, filepath.FromSlash(p)))
		if err == nil {
			return data, p, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, p, err
		}
	}
	return nil, want, fmt.Errorf("%s: missing (nor a full or wider partial tile) in %s", want, r.store)
}

// sha256Empty is the RFC 6962 hash of an empty tree.
func sha256Empty() [32]byte { return sha256.Sum256(nil) }
