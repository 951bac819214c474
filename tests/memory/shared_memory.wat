;; shared_memory: a command module with a SHARED memory (threads proposal).
;; wimg must refuse to pack it (a runtime region inside guest memory cannot
;; be kept consistent with other threads), with an error that says "shared",
;; and write no output file. Unpacked, it just prints one line.
;; Assemble: wat2wasm --enable-threads shared_memory.wat
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1 2 shared)
  (data (i32.const 0x100) "shared_memory: running with a shared memory\n") ;; 44
  (func (export "_start")
    (i32.atomic.store (i32.const 0x10) (i32.const 0x100))
    (i32.atomic.store (i32.const 0x14) (i32.const 44))
    (drop (call $fd_write (i32.const 1) (i32.const 0x10) (i32.const 1) (i32.const 0x18)))))
