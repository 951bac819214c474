;; A stand-in for npm's CRuby reactor (ruby.wasm), for tests/e2e/test_ruby_command.sh:
;; the same export names and signatures, and one import of each kind the
;; Ruby command step replaces. ruby-init prints every word after argv[0] as
;; "[word]" (checking the NUL after it); rb-eval-string-protect prints the
;; first line of the code it is given, checks that _initialize ran and that
;; canonical_abi.resource_new_* is the identity, calls eval-js when the last
;; word was "js", and exits 0.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "rb-js-abi-host" "eval-js: func(code: string) -> variant { success(handle<js-abi-value>), failure(handle<js-abi-value>) }"
    (func $eval_js (param i32 i32 i32)))
  (import "canonical_abi" "resource_new_rb-abi-value" (func $rnew (param i32) (result i32)))
  (import "canonical_abi" "resource_drop_js-abi-value" (func $rdrop (param i32)))
  (memory (export "memory") 2)
  (global $heap (mut i32) (i32.const 4096))
  (global $inited (mut i32) (i32.const 0))
  (global $js (mut i32) (i32.const 0))
  (data (i32.const 64) "[]\n")
  (func $print (param $p i32) (param $n i32)
    (i32.store (i32.const 0) (local.get $p))
    (i32.store (i32.const 4) (local.get $n))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func (export "_initialize") (global.set $inited (i32.const 1)))
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (local $p i32)
    ;; align up to param 2, bump by param 3
    (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get 2) (i32.const 1)))
                           (i32.sub (i32.const 0) (local.get 2))))
    (global.set $heap (i32.add (local.get $p) (local.get 3)))
    (local.get $p))
  (func (export "ruby-init: func(args: list<string>) -> ()") (param $list i32) (param $n i32)
    (local $i i32) (local $p i32) (local $len i32)
    (local.set $i (i32.const 1))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $p (i32.load (i32.add (local.get $list) (i32.mul (local.get $i) (i32.const 8)))))
        (local.set $len (i32.load offset=4 (i32.add (local.get $list) (i32.mul (local.get $i) (i32.const 8)))))
        (if (i32.load8_u (i32.add (local.get $p) (local.get $len))) (then (call $proc_exit (i32.const 7))))
        (call $print (i32.const 64) (i32.const 1))
        (call $print (local.get $p) (local.get $len))
        (call $print (i32.const 65) (i32.const 2))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    ;; the last word "js" asks the eval for a JavaScript call
    (if (i32.and (i32.eq (local.get $len) (i32.const 2))
                 (i32.eq (i32.load16_u (local.get $p)) (i32.const 0x736a)))
      (then (global.set $js (i32.const 1)))))
  (func (export "rb-eval-string-protect: func(str: string) -> tuple<handle<rb-abi-value>, s32>")
    (param $p i32) (param $len i32) (result i32)
    (local $n i32)
    (if (i32.eqz (global.get $inited)) (then (call $proc_exit (i32.const 9))))
    (if (i32.ne (call $rnew (i32.const 1234)) (i32.const 1234)) (then (call $proc_exit (i32.const 8))))
    (call $rdrop (i32.const 1))
    (block $eol
      (loop $scan
        (br_if $eol (i32.ge_u (local.get $n) (local.get $len)))
        (br_if $eol (i32.eq (i32.load8_u (i32.add (local.get $p) (local.get $n))) (i32.const 10)))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $scan)))
    (call $print (local.get $p) (i32.add (local.get $n) (i32.const 1)))
    (if (global.get $js) (then (call $eval_js (i32.const 0) (i32.const 0) (i32.const 0))))
    (call $proc_exit (i32.const 0))
    (i32.const 0)))
