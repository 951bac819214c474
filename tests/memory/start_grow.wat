;; start_grow: a command module whose wasm START function (run during
;; instantiation, before _start and before any WASI call may be made) grows
;; memory by 3 pages and writes a pattern into the first two of them.
;; _start then checks what the start function did and grows once more:
;;   - memory.grow in start returned the old size (2) and memory.size became 5
;;   - the pattern in pages 2..3 survived until _start; page 4 is still zero
;;   - the data segment in page 1 is intact
;;   - a second memory.grow returns 5, its page is zero and holds a pattern
;; Each passed check prints one line via fd_write; a failed one prints
;; "FAIL: ..." and exits 1 via proc_exit. Assemble: wat2wasm start_grow.wat
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 2)

  ;; Messages at 0x100.., the iovec at 0x10, the written-count at 0x18.
  (data (i32.const 0x100) "start_grow: start function grew memory from 2 to 5 pages\n")   ;; 57
  (data (i32.const 0x140) "start_grow: pattern from the start function intact in pages 2-3\n") ;; 64
  (data (i32.const 0x190) "start_grow: page 4 still zero\n")                                ;; 30
  (data (i32.const 0x1b0) "start_grow: data segment in page 1 intact\n")                    ;; 42
  (data (i32.const 0x1e0) "start_grow: memory.grow in _start returned 5, new page zero, pattern ok\n") ;; 72
  (data (i32.const 0x230) "start_grow: OK\n")                                               ;; 15
  (data (i32.const 0x240) "FAIL: start_grow: start function grow result\n")                 ;; 45
  (data (i32.const 0x270) "FAIL: start_grow: pattern in pages 2-3\n")                       ;; 39
  (data (i32.const 0x298) "FAIL: start_grow: page 4 not zero\n")                            ;; 34
  (data (i32.const 0x2c0) "FAIL: start_grow: data segment in page 1\n")                     ;; 41
  (data (i32.const 0x2f0) "FAIL: start_grow: second grow\n")                                ;; 30
  ;; A data segment in page 1: 16 bytes checked by _start.
  (data (i32.const 0x10000) "wimg-page-one-ok")

  (global $grew_from (mut i32) (i32.const -2))
  (global $size_after (mut i32) (i32.const -2))

  (func $pattern (param $i i32) (result i32)
    (i32.xor (i32.mul (local.get $i) (i32.const 0x9E3779B1)) (i32.const 0xA5A5A5A5)))

  ;; Fills words [from, to) (byte addresses, word aligned) with the pattern.
  (func $fill (param $from i32) (param $to i32)
    (local $a i32)
    (local.set $a (local.get $from))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $a) (local.get $to)))
        (i32.store (local.get $a) (call $pattern (i32.shr_u (local.get $a) (i32.const 2))))
        (local.set $a (i32.add (local.get $a) (i32.const 4)))
        (br $next))))

  ;; 1 when words [from, to) hold the pattern.
  (func $check (param $from i32) (param $to i32) (result i32)
    (local $a i32)
    (local.set $a (local.get $from))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $a) (local.get $to)))
        (if (i32.ne (i32.load (local.get $a)) (call $pattern (i32.shr_u (local.get $a) (i32.const 2))))
          (then (return (i32.const 0))))
        (local.set $a (i32.add (local.get $a) (i32.const 4)))
        (br $next)))
    (i32.const 1))

  ;; 1 when bytes [from, to) are zero (word steps).
  (func $zero (param $from i32) (param $to i32) (result i32)
    (local $a i32)
    (local.set $a (local.get $from))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $a) (local.get $to)))
        (if (i32.load (local.get $a)) (then (return (i32.const 0))))
        (local.set $a (i32.add (local.get $a) (i32.const 4)))
        (br $next)))
    (i32.const 1))

  (func $print (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0x10) (local.get $ptr))
    (i32.store (i32.const 0x14) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 0x10) (i32.const 1) (i32.const 0x18))))

  (func $fail (param $ptr i32) (param $len i32)
    (call $print (local.get $ptr) (local.get $len))
    (call $proc_exit (i32.const 1)))

  (func $init
    (global.set $grew_from (memory.grow (i32.const 3)))
    (global.set $size_after (memory.size))
    (if (i32.eq (global.get $grew_from) (i32.const 2))
      (then (call $fill (i32.const 0x20000) (i32.const 0x40000)))))
  (start $init)

  (func (export "_start")
    (if (i32.or (i32.ne (global.get $grew_from) (i32.const 2))
                (i32.or (i32.ne (global.get $size_after) (i32.const 5))
                        (i32.ne (memory.size) (i32.const 5))))
      (then (call $fail (i32.const 0x240) (i32.const 45))))
    (call $print (i32.const 0x100) (i32.const 57))
    (if (i32.eqz (call $check (i32.const 0x20000) (i32.const 0x40000)))
      (then (call $fail (i32.const 0x270) (i32.const 39))))
    (call $print (i32.const 0x140) (i32.const 64))
    (if (i32.eqz (call $zero (i32.const 0x40000) (i32.const 0x50000)))
      (then (call $fail (i32.const 0x298) (i32.const 34))))
    (call $print (i32.const 0x190) (i32.const 30))
    (if (i32.or (i64.ne (i64.load (i32.const 0x10000)) (i64.const 0x6761702d676d6977))   ;; "wimg-pag"
                (i64.ne (i64.load (i32.const 0x10008)) (i64.const 0x6b6f2d656e6f2d65)))  ;; "e-one-ok"
      (then (call $fail (i32.const 0x2c0) (i32.const 41))))
    (call $print (i32.const 0x1b0) (i32.const 42))
    (if (i32.ne (memory.grow (i32.const 1)) (i32.const 5))
      (then (call $fail (i32.const 0x2f0) (i32.const 30))))
    (if (i32.or (i32.ne (memory.size) (i32.const 6))
                (i32.eqz (call $zero (i32.const 0x50000) (i32.const 0x60000))))
      (then (call $fail (i32.const 0x2f0) (i32.const 30))))
    (call $fill (i32.const 0x50000) (i32.const 0x60000))
    (if (i32.eqz (i32.and (call $check (i32.const 0x50000) (i32.const 0x60000))
                          (call $check (i32.const 0x20000) (i32.const 0x40000))))
      (then (call $fail (i32.const 0x2f0) (i32.const 30))))
    (call $print (i32.const 0x1e0) (i32.const 72))
    (call $print (i32.const 0x230) (i32.const 15))))
