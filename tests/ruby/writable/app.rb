# What a Ruby app writes at run time (issue 11): temp files, dirs next to
# the app, a log. Run once in the image's writable layer (no host dir) and
# once on host dirs: both transcripts must be equal. Nothing printed may
# depend on random names or the clock.
require "tempfile"
require "tmpdir"
require "fileutils"
require "logger"

def show(label)
  print label, ": "
  puts yield.inspect
rescue SystemCallError, IOError, NotImplementedError => e
  puts "#{e.class}"
end

show("tmpdir") { Dir.tmpdir }
show("tmp writable") { File.writable?("/tmp") }
show("File.write /tmp") { File.write("/tmp/x.txt", "hello\n") }
show("File.read /tmp") { File.read("/tmp/x.txt") }

show("Tempfile") do
  t = Tempfile.new("up")
  t.write("a" * 10_000)
  t.flush
  t.rewind
  r = [File.dirname(t.path), File.basename(t.path).start_with?("up"), t.read.size, File.size(t.path)]
  t.close
  t.unlink
  r << t.path.nil?
end
show("Tempfile.create") do
  Tempfile.create("blk") { |f| f << "xyz"; f.flush; [File.size(f.path), File.file?(f.path)] }
end

show("Dir.mktmpdir") do
  Dir.mktmpdir("d") do |d|
    File.write(File.join(d, "b.txt"), "b")
    File.write(File.join(d, "a.txt"), "a")
    FileUtils.mkdir_p(File.join(d, "sub/deeper"))
    [File.dirname(d), Dir.children(d).sort, Dir.glob("**/*", base: d).sort]
  end
end
show("mktmpdir removed") { Dir.children("/tmp").grep(/\Ad/).size }

Dir.chdir("/app")
show("mkdir_p next to app") { FileUtils.mkdir_p("data/cache"); Dir.exist?("/app/data/cache") }
show("File.write next to app") { File.write("data/cache/state.json", '{"n":1}'); File.read("/app/data/cache/state.json") }
show("append") { File.open("data/cache/state.json", "a") { |f| f.puts "more" }; File.readlines("data/cache/state.json").size }
show("rename") { File.rename("data/cache/state.json", "data/state.json"); [File.exist?("data/cache/state.json"), File.size("data/state.json")] }
show("overwrite app file") { File.write("app.rb.bak", File.read("app.rb")[0, 20]); File.read("app.rb.bak") }

show("Logger") do # File#flock: granted at once in a one-process WASI module
  FileUtils.mkdir_p("log")
  log = Logger.new("log/app.log")
  log.formatter = proc { |sev, _time, _prog, msg| "#{sev} #{msg}\n" }
  log.info("started")
  log.warn("careful")
  log.close
  File.read("log/app.log").lines.reject { |l| l.start_with?("#") }
end

show("Rack multipart POST") do
  $LOAD_PATH.unshift("/app/vendor/rack")
  require "rack"
  body = "--AaB03x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"hello.txt\"\r\n" \
         "Content-Type: text/plain\r\n\r\nhello rack\r\n--AaB03x\r\n" \
         "Content-Disposition: form-data; name=\"note\"\r\n\r\nplain field\r\n--AaB03x--\r\n"
  env = Rack::MockRequest.env_for("/upload", :method => "POST", :input => body,
                                  "CONTENT_TYPE" => "multipart/form-data; boundary=AaB03x")
  params = Rack::Request.new(env).POST
  up = params["file"]
  [up[:filename], up[:tempfile].class, File.dirname(up[:tempfile].path), up[:tempfile].read, params["note"]]
end
show("rm_rf") { FileUtils.rm_rf("data"); Dir.exist?("data") }
show("VOLUME /data") { File.write("/data/v.txt", "in the volume"); Dir.children("/data") }
show("listing") { Dir.children("/app").sort }
show("big file") do
  data = "0123456789abcdef" * 65_536 # 1 MiB
  File.open("/tmp/big.bin", "wb") { |f| 8.times { f.write(data) } }
  s = File.size("/tmp/big.bin")
  File.open("/tmp/big.bin", "rb") { |f| f.seek(5_000_000); [s, f.read(16)] }
end
show("truncate") { File.truncate("/tmp/big.bin", 10); File.read("/tmp/big.bin") }
show("symlink") { File.symlink("x.txt", "/tmp/link"); [File.symlink?("/tmp/link"), File.readlink("/tmp/link"), File.read("/tmp/link")] }
show("hard link") { File.link("/tmp/x.txt", "/tmp/hard"); File.stat("/tmp/hard").nlink }
show("unlink") { File.unlink("/tmp/x.txt"); [File.exist?("/tmp/x.txt"), File.read("/tmp/hard")] }
show("mtime moves") do
  File.write("/tmp/t", "1")
  a = File.mtime("/tmp/t")
  File.utime(Time.at(0), Time.at(86_400), "/tmp/t")
  [File.mtime("/tmp/t").to_i, a.to_i > 0]
end
