;; shared_memory_import: like shared_memory.wat, but the shared memory is
;; IMPORTED (env.memory, as `wasm-ld --shared-memory --import-memory` makes
;; it). wimg must refuse to pack it too, saying "shared", with no output.
;; Assemble: wat2wasm --enable-threads shared_memory_import.wat
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "env" "memory" (memory 1 4 shared))
  (data (i32.const 0x100) "shared_memory_import: running with an imported shared memory\n") ;; 61
  (func (export "_start")
    (i32.atomic.store (i32.const 0x10) (i32.const 0x100))
    (i32.atomic.store (i32.const 0x14) (i32.const 61))
    (drop (call $fd_write (i32.const 1) (i32.const 0x10) (i32.const 1) (i32.const 0x18)))))
