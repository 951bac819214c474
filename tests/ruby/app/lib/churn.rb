require "digest"

module App
  # Allocation and GC churn interleaved with file reads: what makes a guest
  # grow its linear memory while WASI file calls come and go.
  module Churn
    ITERATIONS = 2000

    def self.run(app_dir, stdlib_dir)
      files = Dir.glob("**/*.rb", base: stdlib_dir).sort.map { |n| File.join(stdlib_dir, n) }
      app_files = Dir.glob("data/**/*.txt", base: app_dir).sort.map { |n| File.join(app_dir, n) }

      # A short section under GC.stress: a collection at every allocation.
      stressed = []
      GC.stress = true
      begin
        app_files.each { |f| stressed << File.read(f) }
        stressed << File.read(files[0])
        stressed = stressed.map { |s| s.bytesize }
      ensure
        GC.stress = false
      end
      yield "gc.stress reads #{stressed.join(",")}"

      # ITERATIONS rounds: read a stdlib file (a different one each round),
      # hash it, allocate strings and arrays of varying size, keep a ring of
      # the last 64 so that memory grows and is recycled.
      state = 12345
      ring = Array.new(64)
      digest = Digest::SHA256.new
      read_bytes = 0
      alloc_bytes = 0
      ITERATIONS.times do |i|
        state = (state * 1103515245 + 12345) & 0x7fffffff
        path = files[state % files.size]
        data = File.binread(path)
        read_bytes += data.bytesize
        digest << path << data
        size = (state >> 8) % (256 * 1024)
        blob = (i.to_s * (size / 8 + 1))[0, size]
        words = data.split(/\s+/).first(200).map { |w| w * 2 }
        ring[i % 64] = [blob, words, data]
        alloc_bytes += blob.bytesize
        GC.start if i % 500 == 499
        check_ring(ring, i) if i % 250 == 249
      end
      yield "churn #{ITERATIONS} rounds read=#{read_bytes} alloc=#{alloc_bytes} sha=#{digest.hexdigest[0, 16]}"
    end

    def self.check_ring(ring, i)
      ring.each_with_index do |(blob, words, data), k|
        next if blob.nil?
        raise "ring #{k} corrupt at round #{i}" unless words.all? { |w| w.bytesize.even? } && data.encoding == Encoding::BINARY
      end
    end
  end
end
