# bench/upper.sh: a GC-heavy Ruby run, with ARGV[0] MiB written to /tmp
# first (0: an empty /tmp). The heap grows to ~150 MB, so the guest's
# memory grows many times and the runtime's region (with the upper layer
# in it) moves each time the guest outgrows the slack below it.
mb = Integer(ARGV[0] || "0")
chunk = "z" * 1_048_576
File.open("/tmp/ballast", "wb") { |f| mb.times { f.write(chunk) } } if mb > 0
keep = []
400.times do |round|
  batch = Array.new(5_000) { |i| "s#{round}-#{i}" * 4 }
  keep << batch if round % 4 == 0
  keep.shift if keep.size > 60
end
GC.start
puts "kept #{keep.sum(&:size)} strings, /tmp #{File.exist?('/tmp/ballast') ? File.size('/tmp/ballast') : 0} bytes"
