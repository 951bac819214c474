#!/usr/bin/env python3
"""gen_apps.py OUTDIR COUNT: writes COUNT distinct Ruby apps for the ruby:3.4
base (tests/ruby/test_many_apps.sh), deterministically.

OUTDIR/appN/ (N = 1..COUNT) holds a build context:
  Wasmfile       FROM ruby:3.4, COPY app/ /app/, ENTRYPOINT ["/app/main.rb"]
  expected.txt   what `wimg run` of the app prints
  app/main.rb    loads every lib/**/*.rb, parses data/*.json and data/*.csv,
                 renders templates/summary.erb
  app/lib/appN/*.rb      modules of classes (its own code, 4-16 KB a file)
  app/data/*.json, *.csv records (its own data)
  app/templates/*.erb, app/README.md
  app/lib/shared/*.rb, app/data/shared/*.json   a few files whose contents
                 are the same in every app that has them (each in about a
                 third of the apps)

Each app's files total 100-300 KB. The content of every file depends only
on (app number, file), so two runs write the same bytes. main.rb prints
figures the generator computes too (classes, methods, records, a sum over
generated methods), so a wrong or partial load shows in the output.
Prints one line per app: "appN FILES BYTES".
"""
import json
import os
import random
import sys

WORDS = """account active address adjust agent alert allocate amount archive
audit balance batch billing branch bucket budget buffer cache calendar
capacity carrier catalog channel charge checkout client cluster column
commit config contract counter coupon credit currency customer cycle
dashboard deadline delivery deposit device digest discount dispatch document
domain draft entry estimate event export feature filter forecast freight
gateway grade group harvest header history import inbound index invoice
journal label ledger limit listing locale margin market member merchant
message meter metric notice offer order origin outbound package
parcel partner payload payment period pipeline policy portfolio posting
price profile quota rate receipt record refund region release report
request reserve resource revenue review route schedule segment sequence
session settlement shipment signal snapshot source statement status stock
summary supplier tariff task template tenant ticket timeline token total
transfer trend unit usage vendor voucher warehouse window workflow""".split()
VERBS = """apply build check collect compute convert count derive emit
encode fetch filter format gather group load lookup match merge normalize
parse prepare publish reconcile record reduce refresh render resolve round
scale score select settle split store sum tally track transform update
validate weigh""".split()
ADJ = """active annual archived balanced current daily default deferred
draft effective external final fixed gross hourly internal latest local
monthly net open pending primary public quarterly regional remote rolling
scheduled secondary shared standard total weekly""".split()


def camel(*parts):
    return "".join(p.capitalize() for p in parts)


def sentence(r, n=None):
    n = n or r.randint(6, 14)
    ws = [r.choice(WORDS + VERBS + ADJ) for _ in range(n)]
    return " ".join(ws).capitalize() + "."


# ---- shared files: identical bytes in every app that includes them --------

def shared_files():
    r = random.Random("shared")
    files = {}
    # A money helper, a validation helper (Ruby, loaded), two data files.
    files["lib/shared/money_format.rb"] = ruby_shared_module(r, "MoneyFormat", 18)
    files["lib/shared/validation.rb"] = ruby_shared_module(r, "Validation", 14)
    countries = [{"code": f"C{k:03d}", "name": f"{camel(r.choice(WORDS))} {camel(r.choice(ADJ))}",
                  "currency": r.choice(["EUR", "USD", "GBP", "JPY", "CHF"]),
                  "vat": r.randint(0, 27)} for k in range(260)]
    files["data/shared/countries.json"] = json.dumps({"countries": countries}, indent=1) + "\n"
    units = {f"{w}_{a}": r.randint(1, 1000) for w in WORDS[:120] for a in ADJ[:3]}
    files["data/shared/units.json"] = json.dumps(units, indent=1, sort_keys=True) + "\n"
    return files


def ruby_shared_module(r, name, nmeth):
    out = ["# frozen_string_literal: true", "", f"# Shared by several apps: {sentence(r)}",
           "module WimgShared", f"  module {name}", "    module_function", ""]
    for _ in range(nmeth):
        m = f"{r.choice(VERBS)}_{r.choice(WORDS)}"
        k = r.randint(2, 97)
        out += [f"    # {sentence(r)}", f"    def {m}(value, scale = {k})",
                f"      (value.to_i * scale + {r.randint(1, 999)}) % {r.randint(1000, 99999)}",
                "    end", ""]
    out += ["  end", "end", ""]
    return "\n".join(out)


SHARED = shared_files()
SHARED_NAMES = sorted(SHARED)


def shared_for(n):
    """Which shared files app n has: each in about a third of the apps."""
    return [p for k, p in enumerate(SHARED_NAMES) if (n + k) % 3 == 0]


# ---- an app's own files ---------------------------------------------------

class Lib:
    """Ruby source of one lib file plus what loading it defines."""

    def __init__(self):
        self.lines = []
        self.classes = 0
        self.methods = 0       # public instance methods (instance_methods(false))
        self.compute7 = 0      # sum over classes of Class.new.compute(7)


def ruby_class(r, lib, app_mod, cname):
    a, b = r.sample(WORDS, 2)
    metas = []
    L = lib.lines
    L += [f"    # {sentence(r)}", f"    # {sentence(r)}", f"    class {cname}",
          f"      {a.upper()}_LIMIT = {r.randint(10, 5000)}",
          f"      attr_reader :{a}, :{b}", "",
          f"      def initialize({a}: {r.randint(1, 500)}, {b}: \"{r.choice(ADJ)}-{r.choice(WORDS)}\")",
          f"        @{a} = {a}", f"        @{b} = {b}", "      end", ""]
    names = set()
    want = r.randint(4, 9)
    while len(metas) < want:
        m = f"{r.choice(VERBS)}_{r.choice(WORDS)}"
        if m in names:
            continue
        names.add(m)
        k1, k2, mod = r.randint(2, 97), r.randint(0, 9999), r.randint(100, 99999)
        metas.append((m, k1, k2, mod))
        L += [f"      # {sentence(r)}", f"      def {m}(value)", f"        result = value * {k1} + {k2}",
              f"        result % {mod}", "      end", ""]
    extra = 0
    for _ in range(r.randint(1, 4)):
        kind = r.choice(["to_h", "label", "valid", "describe", "limit"])
        m = {"to_h": "to_h", "label": f"{r.choice(ADJ)}_label", "valid": f"{r.choice(WORDS)}_valid?",
             "describe": "describe", "limit": f"within_{a}_limit?"}[kind]
        if m in names:
            continue
        names.add(m)
        extra += 1
        if kind == "to_h":
            L += [f"      def to_h = {{ {a}: @{a}, {b}: @{b} }}", ""]
        elif kind == "label":
            L += [f"      def {m}", f"        \"#{{self.class.name.split('::').last}}(#{{@{b}}})\"", "      end", ""]
        elif kind == "valid":
            L += [f"      def {m}", f"        !@{b}.to_s.empty? && @{a}.to_i >= 0", "      end", ""]
        elif kind == "describe":
            L += ["      def describe", f"        format(\"%s %s=%p\", self.class.name, :{a}, @{a})", "      end", ""]
        else:
            L += [f"      def {m} = @{a}.to_i <= {a.upper()}_LIMIT", ""]
    L += ["      def compute(x)", "        " + " + ".join(f"{m}(x)" for m, *_ in metas), "      end", "    end", ""]
    lib.classes += 1
    lib.methods += 2 + len(metas) + extra + 1   # attr_readers + metas + extras + compute
    lib.compute7 += sum((7 * k1 + k2) % mod for _, k1, k2, mod in metas)


def lib_file(r, app_mod, sub, target):
    lib = Lib()
    lib.lines += ["# frozen_string_literal: true", "", f"# {app_mod}::{sub}: {sentence(r, 16)}",
                  f"# {sentence(r, 12)}", "", f"module {app_mod}", f"  module {sub}"]
    used = set()
    size = 0
    while size < target:
        cname = camel(r.choice(ADJ), r.choice(WORDS), r.choice(WORDS))
        if cname in used:
            continue
        used.add(cname)
        ruby_class(r, lib, app_mod, cname)
        size = sum(len(x) + 1 for x in lib.lines)
    lib.lines += ["  end", "end", ""]
    return lib


def json_data(r, n_records):
    recs = []
    total = 0
    for k in range(n_records):
        amount = r.randint(1, 100000)
        total += amount
        recs.append({"id": k + 1, "name": f"{r.choice(ADJ)} {r.choice(WORDS)} {r.choice(WORDS)}",
                     "amount": amount, "tags": r.sample(WORDS, r.randint(1, 4)),
                     "note": sentence(r, r.randint(3, 10))})
    return json.dumps({"generated": "gen_apps.py", "records": recs}, indent=2) + "\n", n_records, total


def csv_data(r, n_rows):
    lines = ["id,item,qty,region"]
    total = 0
    for k in range(n_rows):
        q = r.randint(0, 500)
        total += q
        lines.append(f"{k + 1},{r.choice(WORDS)}-{r.choice(WORDS)},{q},{r.choice(ADJ)}")
    return "\n".join(lines) + "\n", n_rows, total


MAIN_RB = '''# frozen_string_literal: true
# %(title)s: generated by tests/ruby/gen_apps.py.
require "json"
require "erb"

APP_ROOT = __dir__
libs = Dir.glob("lib/**/*.rb", base: APP_ROOT).sort
libs.each { |f| require File.join(APP_ROOT, f) }

def classes_in(mod, seen = {})
  mod.constants.sort.flat_map do |c|
    v = mod.const_get(c)
    next [] if !v.is_a?(Module) || seen[v]

    seen[v] = true
    (v.is_a?(Class) ? [v] : []) + classes_in(v, seen)
  end
end

classes = classes_in(%(mod)s)
methods = classes.sum { |k| k.instance_methods(false).size }
compute7 = classes.sum { |k| k.new.compute(7) }
records = amount = 0
Dir.glob("data/*.json", base: APP_ROOT).sort.each do |f|
  doc = JSON.parse(File.read(File.join(APP_ROOT, f)))
  records += doc["records"].size
  amount += doc["records"].sum { |rec| rec["amount"] }
end
rows = qty = 0
Dir.glob("data/*.csv", base: APP_ROOT).sort.each do |f|
  File.readlines(File.join(APP_ROOT, f), chomp: true).drop(1).each do |line|
    rows += 1
    qty += line.split(",")[2].to_i
  end
end
shared = Dir.glob("{lib,data}/shared/*", base: APP_ROOT).map { |f| File.basename(f, ".*") }.sort
template = File.read(File.join(APP_ROOT, "templates", "summary.erb"))
puts ERB.new(template, trim_mode: "-").result(binding)
'''

SUMMARY_ERB = '''<%%= "%(name)s" %%> (%(title)s)
lib files: <%%= libs.size %%>
classes: <%%= classes.size %%> methods: <%%= methods %%>
compute(7): <%%= compute7 %%>
json records: <%%= records %%> amount: <%%= amount %%>
csv rows: <%%= rows %%> qty: <%%= qty %%>
shared: <%%= shared.empty? ? "-" : shared.join(",") %%>
'''


def make_app(out, n):
    r = random.Random(f"app:{n}")
    name = f"app{n}"
    mod = f"App{n:02d}"
    title = f"{camel(r.choice(ADJ))} {camel(r.choice(WORDS))} {camel(r.choice(['service', 'tool', 'ledger', 'report', 'tracker']))}"
    target = r.randint(100_000, 300_000)
    files = {}
    lib_count = classes = methods = compute7 = 0
    records = amount = rows = qty = 0
    own = 0
    k = 0
    # Mostly code, some data: keep adding until the app's own bytes reach target.
    while own < target:
        k += 1
        choice = r.random()
        if choice < 0.6:
            sub = camel(r.choice(WORDS), r.choice(["store", "service", "rules", "model", "view", "jobs"])) + str(k)
            lib = lib_file(r, mod, sub, r.randint(4000, 16000))
            text = "\n".join(lib.lines)
            files[f"lib/{name}/{sub.lower()}.rb"] = text
            lib_count += 1
            classes += lib.classes
            methods += lib.methods
            compute7 += lib.compute7
        elif choice < 0.85:
            text, nrec, tot = json_data(r, r.randint(20, 120))
            files[f"data/{r.choice(WORDS)}_{k}.json"] = text
            records += nrec
            amount += tot
        else:
            text, nrow, tot = csv_data(r, r.randint(100, 600))
            files[f"data/{r.choice(WORDS)}_{k}.csv"] = text
            rows += nrow
            qty += tot
        own += len(text.encode())
    files["main.rb"] = MAIN_RB % {"title": title, "mod": mod}
    files["templates/summary.erb"] = SUMMARY_ERB % {"name": name, "title": title}
    files["README.md"] = f"# {title}\n\n{sentence(r, 30)}\n\n{sentence(r, 40)}\n\nRun: `wimg run {name}:1`.\n"
    shared = shared_for(n)
    for p in shared:
        files[p] = SHARED[p]
        if p.endswith(".rb"):
            lib_count += 1
    base = os.path.join(out, name)
    for rel, text in files.items():
        p = os.path.join(base, "app", rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
    with open(os.path.join(base, "Wasmfile"), "w") as f:
        f.write("FROM ruby:3.4\nCOPY app/ /app/\nENTRYPOINT [\"/app/main.rb\"]\n")
    shared_names = sorted(os.path.splitext(os.path.basename(p))[0] for p in shared)
    expected = [f"{name} ({title})", f"lib files: {lib_count}", f"classes: {classes} methods: {methods}",
                f"compute(7): {compute7}", f"json records: {records} amount: {amount}",
                f"csv rows: {rows} qty: {qty}", f"shared: {','.join(shared_names) if shared_names else '-'}"]
    with open(os.path.join(base, "expected.txt"), "w") as f:
        f.write("\n".join(expected) + "\n")
    total = sum(len(t.encode()) for t in files.values())
    print(f"{name} {len(files)} {total}")


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: gen_apps.py OUTDIR COUNT")
    out, count = sys.argv[1], int(sys.argv[2])
    for n in range(1, count + 1):
        make_app(out, n)


if __name__ == "__main__":
    main()
