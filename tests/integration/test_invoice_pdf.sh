#!/bin/bash
# The PDF a customer receives, read as a person and a PDF tool would: every
# font embedded as a subset and none other (pdffonts), one page under 200 KB
# (issue 39: the fonts cut to its characters), the text right (pdftotext: a settlement
# statement, never titled 发票, saying the fapiao comes from the tax
# system; lines named in Chinese and English with the vendor, quantities
# in 卡时 / GPU-hours and the like, unit prices as the plan states them,
# 税额 6%, the seller and buyer blocks), and each page rendered (pdftoppm)
# with ink where the Chinese title stands, for an invoice, the same invoice
# void (作废 VOID across the page), its credit note (what it credits,
# positive, with the original's fapiao and the reason) and a three-page
# invoice.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
cat >>"$GPUMETER_CONFIG" <<'CONF'
invoice.seller = 上海临港算力科技有限公司
invoice.seller_tax_id = 91310000MA1FL6TEST
invoice.seller_address = 上海市浦东新区临港大道 1 号
invoice.seller_phone = 021-5888 0000
invoice.seller_bank = 中国工商银行上海临港支行
invoice.seller_account = 1001234509876543210
CONF
ink() { python3 "$ROOT/tests/tools/pdf_ink.py" "$@"; }
# The red pixels of page 1's middle (a 200-point square about its centre,
# below a short invoice's totals): a void mark's, none on a valid page.
red() {
    pdftoppm -f 1 -l 1 -r 72 -x 198 -y 321 -W 200 -H 200 "$1" | python3 -c 'import sys
d = sys.stdin.buffer.read()
w, h = map(int, d.split()[1:3])  # P6 W H 255, then W x H RGB pixels
d = d[len(d) - w * h * 3:]
print(sum(1 for j in range(0, len(d), 3) if d[j] - d[j+1] > 15))'
}
# Every font pdffonts lists is embedded: the "emb" column of each row.
embedded() { # pdf -> "yes yes ..." and the count
    pdffonts "$1" | awk 'NR == 1 { p = index($0, " emb ") + 1 } NR > 2 { print substr($0, p, 3) }' |
        sort | uniq -c | awk '{ printf "%s %s ", $2, $1 }' | sed 's/ $//'
}
# Each font pdffonts lists: its name without the subset's tag, whether it
# is embedded and whether a subset ("NotoSansCJKsc-Bold yes yes, ...").
# A character missing from the cut font would add another: Pango draws
# its hex box in a font of its own.
fonts() {
    pdffonts "$1" | awk 'NR == 1 { e = index($0, " emb ") + 1 }
        NR > 2 { n = $1; sub(/^[A-Z][A-Z][A-Z][A-Z][A-Z][A-Z]\+/, "", n); printf "%s%s %s %s", (NR > 3 ? ", " : ""), n, substr($0, e, 3), substr($0, e + 4, 3) }'
}
ONE_PAGE_MAX=$((200 * 1024)) # bytes: a one-page PDF with its fonts (issue 39)
inked() { # name pdf page word: at least a tenth of the word's box is ink
    local got
    got=$(ink "$2" "$3" "$4")
    if awk -v g="$got" 'BEGIN { split(g, f, " "); exit !(f[3] > 0 && f[2] * 10 >= f[3]) }'; then
        pass "$1 ($got)"
    else
        fail "$1 (ink: $got)"
    fi
}

seq=0
event() { # model gpu-hours
    seq=$((seq + 1))
    printf 'l\t{"v":1,"source":"l","seq":%d,"account":"ns-alpha","cluster":"c","site":"s","model":"%s","vendor":"%s","gpu_ms":%d,"start":"2026-01-10T02:00:00Z","end":"2026-01-10T03:00:00Z"}\n' \
        "$seq" "$1" "$([ "$1" = H800 ] && echo nvidia || echo huawei)" $(($2 * 3600000)) |
        kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
}
# 10 H800 hours at 16.80 (168.00) and 3 Ascend910B hours at 8.333333
# (25.00): 193.00, tax 6% 11.58, total 204.58.
event H800 10
event Ascend910B 3
"$GM" rate --until-idle 2>/dev/null
"$GM" invoice run --period 2026-01 >/dev/null 2>&1
"$GM" invoice issue --period 2026-01 >/dev/null 2>&1
"$GM" invoice show INV-2026-000001 --format pdf --output "$TMP/inv.pdf"
check_eq "the invoice is rendered" 0 "$?"
check_eq "every font is embedded" "yes 2" "$(embedded "$TMP/inv.pdf")"
check_match "in Noto Sans CJK" "NotoSansCJKsc-Regular.*yes +yes" "$(pdffonts "$TMP/inv.pdf")"
text=$(pdftotext -layout "$TMP/inv.pdf" - 2>&1)
check_match "a settlement statement, in Chinese and English" "^结算单 Statement of charges +INV-2026-000001" "$text"
check_eq "never titled 发票, the tax invoice's name" 0 "$(grep -c '发票 Invoice' <<<"$text")"
check_match "which says the fapiao is the tax system's" "本单据不是发票：增值税发票由税务系统另行开具。" "$text"
check_match "in English too" "Not a tax invoice: the fapiao is issued separately by the tax system\\." "$text"
check_match "a line named for people, with its vendor, in GPU-hours at the plan's 16.80" \
    "GPU 时长 · NVIDIA H800 +10 +16.80 +168.00" "$text"
check_match "in English too, with the unit's labels" "GPU time · NVIDIA H800 +卡时 GPU-hours" "$text"
check_match "a domestic accelerator by its vendor, at the plan's six decimals" \
    "GPU 时长 · Huawei Ascend910B +3 +8.333333 +25.00" "$text"
check_eq "a valid invoice is not marked void" 0 "$(grep -c '作废\|VOID' <<<"$text")"
check_eq "and its page has no mark across it" 0 "$(red "$TMP/inv.pdf")"
check_eq "no meter code anywhere" 0 "$(grep -c 'gpu_ms' <<<"$text")"
check_match "tax as 6%" "税额 6% Tax 6% +11.58" "$text"
check_match "the total" "价税合计 Total +204.58" "$text"
check_match "the seller's name" "上海临港算力科技有限公司" "$text"
check_match "its taxpayer number" "纳税人识别号 Tax ID 91310000MA1FL6TEST" "$text"
check_match "address and phone" "上海市浦东新区临港大道 1 号 +021-5888 0000" "$text"
check_match "bank and account" "中国工商银行上海临港支行 +1001234509876543210" "$text"
check_match "the buyer and its taxpayer number" "纳税人识别号 Tax ID 91310115MA1H8XKP3N" "$text"
check_match "the page number" "第 1 页，共 1 页 · Page 1 of 1" "$text"
# Issue 39: the fonts cut to the characters used, so a page weighs tens of
# kilobytes, not most of a CJK font; every font still embedded, and the
# text a PDF tool reads is the page's, line for line (the dates aside).
check_at_most "a one-page invoice weighs under 200 KB" $ONE_PAGE_MAX "$(stat -c %s "$TMP/inv.pdf")" bytes
check_eq "its fonts: Noto Sans CJK SC's two weights, each embedded as a subset, and no other" \
    "NotoSansCJKsc-Bold yes yes, NotoSansCJKsc-Regular yes yes" "$(fonts "$TMP/inv.pdf")"
check_eq "pdftotext reads every line as printed, Chinese and English" \
    "结算单 Statement of charges INV-2026-000001
销售方 Seller 购买方 Buyer
上海临港算力科技有限公司 Alpha AI Ltd
纳税人识别号 Tax ID 91310000MA1FL6TEST 纳税人识别号 Tax ID 91310115MA1H8XKP3N
上海市浦东新区临港大道 1 号 021-5888 0000 alpha
中国工商银行上海临港支行 1001234509876543210
账期 Period 2026-01 合同 Contract alpha-2026 · gpu-standard
项目 Item 数量 Quantity 单价 Unit price 金额 Amount
GPU 时长 · Huawei Ascend910B 3 8.333333 25.00
GPU time · Huawei Ascend910B 卡时 GPU-hours
GPU 时长 · NVIDIA H800 10 16.80 168.00
GPU time · NVIDIA H800 卡时 GPU-hours
小计 Subtotal 193.00
税额 6% Tax 6% 11.58
价税合计 Total 204.58
应付金额 Due from customer 204.58
INV-2026-000001 · 第 1 页，共 1 页 · Page 1 of 1
本单据不是发票：增值税发票由税务系统另行开具。
Not a tax invoice: the fapiao is issued separately by the tax system." \
    "$(tr -d '\f' <<<"$text" | sed 's/  */ /g; s/^ //' | grep -v '^$' | grep -v '^开具日期 Issued \|^到期日 Due date ')"
pdftoppm -r 72 -png "$TMP/inv.pdf" "$TMP/inv" 2>"$TMP/ppm.err"
check_eq "poppler renders it without a font complaint" "" "$(cat "$TMP/ppm.err")"
inked "the Chinese title is ink, not blank" "$TMP/inv.pdf" 1 结算单
inked "and so is the seller's Chinese name" "$TMP/inv.pdf" 1 上海临港算力科技有限公司
check_eq "while the margin is blank" "- 0 1600" "$(ink "$TMP/inv.pdf" 1 - 5 5 20 20)"

day=$(issued_on INV-2026-000001)
"$GM" invoice fapiao INV-2026-000001 --number 26312000000012345678 --date "$day" >/dev/null 2>&1
"$GM" invoice show INV-2026-000001 --format pdf --output "$TMP/inv2.pdf"
text=$(pdftotext -layout "$TMP/inv2.pdf" -)
check_match "a recorded fapiao stands in the header" "发票号码 Fapiao +26312000000012345678 +$day" "$text"
check_match "and the foot gives its number" "增值税发票由税务系统另行开具，发票号码 26312000000012345678。" "$text"

"$GM" invoice void INV-2026-000001 --reason "wrong buyer" >/dev/null 2>&1
voided=$(q "SELECT to_char(voided_at AT TIME ZONE customer_time_zone(customer_id, period), 'YYYY-MM-DD')
           FROM invoice WHERE number = 'INV-2026-000001'")
"$GM" invoice show INV-2026-000001 --format pdf --output "$TMP/void.pdf"
text=$(pdftotext -layout "$TMP/void.pdf" - 2>&1)
check_match "a void invoice says so beside its number" "INV-2026-000001 +作废 VOID" "$text"
check_match "with the day it was voided" "作废日期 Voided on +$voided" "$text"
check_match "why, by the red reversal's code and name" "作废原因 Void reason +01 开票有误 wrong invoice · wrong buyer" "$text"
check_match "and the credit note that reverses it" "贷项通知单 Credit notes +CN-2026-000001" "$text"
check_match "its figures still read" "GPU 时长 · NVIDIA H800 +10 +16.80 +168.00" "$text"
check_match "a mark across the page, in red" "^[1-9][0-9]{3,}$" "$(red "$TMP/void.pdf")"
inked "beside its number in ink" "$TMP/void.pdf" 1 作废

"$GM" invoice show CN-2026-000001 --format pdf --output "$TMP/cn.pdf"
text=$(pdftotext -layout "$TMP/cn.pdf" - 2>&1)
check_match "a credit note is titled as one" "^贷项通知单 Credit note +CN-2026-000001" "$text"
check_match "names the invoice it credits" "原结算单 Original +INV-2026-000001" "$text"
check_match "and when it was issued" "原结算单开具日期 Original invoice issued +$day" "$text"
check_match "the blue fapiao the buyer holds" "蓝字发票号码 Blue fapiao +26312000000012345678 +$day" "$text"
check_match "the reason, by its code and name" "冲减原因 Reason +01 开票有误 wrong invoice · wrong buyer" "$text"
check_match "what it credits, positive" "冲减金额 Amount credited +204.58" "$text"
check_match "line by line, positive too" "GPU 时长 · NVIDIA H800 +10 +16.80 +168.00" "$text"
check_match "under a head that says so" "冲减金额 Credited" "$text"
check_eq "never a negative amount due" 0 "$(grep -c -- '-204.58\|Due from customer' <<<"$text")"
check_match "and what the invoice stands at after it" "原结算单余额 Original invoice balance +0.00" "$text"
check_eq "a credit note is not itself void" 0 "$(grep -c '作废 VOID' <<<"$text")"
check_eq "its fonts are embedded too" "yes 2" "$(embedded "$TMP/cn.pdf")"
check_eq "as subsets, and no other" "NotoSansCJKsc-Bold yes yes, NotoSansCJKsc-Regular yes yes" \
    "$(fonts "$TMP/cn.pdf")"
check_at_most "a one-page credit note weighs under 200 KB" $ONE_PAGE_MAX "$(stat -c %s "$TMP/cn.pdf")" bytes
check_at_most "and so does the void invoice, its mark drawn" $ONE_PAGE_MAX "$(stat -c %s "$TMP/void.pdf")" bytes
inked "its title is ink" "$TMP/cn.pdf" 1 贷项通知单

# One line of each meter (tests/unit/test_render_pdf.c): each quantity in
# its unit, labelled in Chinese and English, at the plan's stated price.
GPUMETER_TEST_PDF_UNITS=$TMP/units.pdf "$ROOT/build/asan/tests/test_render_pdf" >/dev/null 2>&1
text=$(pdftotext -layout "$TMP/units.pdf" - 2>&1)
check_match "GPU-hours at 12.50, not 12.500000" "GPU 时长 · NVIDIA H800 +12.5 +12.50 +156.25" "$text"
check_match "labelled 卡时 / GPU-hours" "GPU time · NVIDIA H800 +卡时 GPU-hours" "$text"
check_match "kWh at 0.0008" "电力 +10000 +0.0008 +8.00" "$text"
check_match "labelled 千瓦时 / kWh" "Energy +千瓦时 kWh" "$text"
check_match "million tokens at 3.20" "训练 Token · 16B-80B +2.5 +3.20 +8.00" "$text"
check_match "labelled 百万Token / million tokens" "Training tokens · 16B-80B +百万Token million tokens" "$text"

# A partial credit note (tests/unit/test_render_pdf.c): part of a line's
# GPU-hours and an amount line without a quantity, its own reason (04) and
# the balance it leaves on the invoice.
GPUMETER_TEST_PDF_CREDIT=$TMP/partial.pdf "$ROOT/build/asan/tests/test_render_pdf" >/dev/null 2>&1
text=$(pdftotext -layout "$TMP/partial.pdf" - 2>&1)
check_match "partial credit: the part of a line it credits" "GPU 时长 · NVIDIA H800 +2.5 +12.50 +31.25" "$text"
check_match "partial credit: an amount line, positive" "能耗补贴 · allowance +10.00" "$text"
check_match "partial credit: the amount credited" "冲减金额 Amount credited +43.73" "$text"
check_match "partial credit: its reason" "冲减原因 Reason +04 销售折让 sales allowance · SLA credit" "$text"
check_match "partial credit: the balance left on the invoice" "原结算单余额 Original invoice balance +162.58" "$text"

# Seventy lines: three pages, each with its title, number, column heads and
# page number; the totals on the last.
GPUMETER_TEST_PDF=$TMP/long.pdf "$ROOT/build/asan/tests/test_render_pdf" >/dev/null 2>&1
check_match "a long invoice takes three pages" "Pages: +3" "$(pdfinfo "$TMP/long.pdf" 2>&1)"
for page in 1 2 3; do
    text=$(pdftotext -f $page -l $page -layout "$TMP/long.pdf" - 2>&1)
    check_match "page $page repeats the title and number" "结算单 Statement of charges +INV-2026-000042" "$text"
    check_match "and the column heads" "项目 Item +数量 Quantity +单价 Unit price +金额 Amount" "$text"
    check_match "and says which page it is" "第 $page 页，共 3 页 · Page $page of 3" "$text"
    inked "page $page's title is ink" "$TMP/long.pdf" $page 结算单
done
check_eq "the parties stand on the first page only" "1 0 0" \
    "$(for p in 1 2 3; do pdftotext -f $p -l $p "$TMP/long.pdf" - | grep -c '销售方'; done | tr '\n' ' ' | sed 's/ $//')"
check_match "the totals on the last" "价税合计 Total" "$(pdftotext -f 3 -l 3 -layout "$TMP/long.pdf" -)"
check_eq "invalid UTF-8 in a model shows as U+FFFD, never breaks the file" "70" \
    "$(pdftotext "$TMP/long.pdf" - | grep -c 'GPU 时长 · H800 � bad byte')"
check_eq "all its fonts embedded" "yes 3" "$(embedded "$TMP/long.pdf")"
check_eq "as subsets: U+FFFD from the system's fallback, as before the fonts were cut" \
    "NotoSansCJKsc-Bold yes yes, NotoSansCJKsc-Regular yes yes, DejaVuSans yes yes" "$(fonts "$TMP/long.pdf")"
check_at_most "three pages of seventy lines weigh under 200 KB too" $ONE_PAGE_MAX "$(stat -c %s "$TMP/long.pdf")" bytes

# Text as long as its fields hold (tests/unit/test_render_pdf.c): a name,
# an address, 45 lines of 64-character models and a 256-byte void reason,
# all wrapped. Every page says it is one of as many as there are, and no
# word is drawn outside the margins or into the footer.
GPUMETER_TEST_PDF_WRAPPED=$TMP/wrapped.pdf "$ROOT/build/asan/tests/test_render_pdf" >/dev/null 2>&1
pages=$(pdfinfo "$TMP/wrapped.pdf" 2>&1 | awk '/^Pages:/ { print $2 }')
check_eq "wrapped text: every page's number agrees with the page count" \
    "$(seq -s ' ' 1 "$pages" | sed "s/\([0-9]*\)/\1\/$pages/g")" \
    "$(for p in $(seq "$pages"); do pdftotext -f $p -l $p "$TMP/wrapped.pdf" - | sed -n 's/.*Page \([0-9]*\) of \([0-9]*\).*/\1\/\2/p'; done | tr '\n' ' ' | sed 's/ $//')"
check_eq "wrapped text: no word outside the margins (40 to 555 pt) or below the lines (770 pt)" "" \
    "$(pdftotext -bbox "$TMP/wrapped.pdf" - | python3 -c 'import re, sys
page = 0
for line in sys.stdin:
    if "<page " in line: page += 1
    m = re.search(r"<word xMin=\"([\d.]+)\" yMin=\"([\d.]+)\" xMax=\"([\d.]+)\" yMax=\"([\d.]+)\">([^<]*)", line)
    if not m: continue
    x0, y0, x1, y1 = map(float, m.group(1, 2, 3, 4))
    if x0 < 39 or x1 > 556 or (y1 > 772 and y0 < 795):
        print("page %d: %s at %.0f,%.0f-%.0f,%.0f" % (page, m.group(5), x0, y0, x1, y1))')"
# (read as one run of words: where its lines break depends on its column)
check_eq "wrapped text: the whole void reason is there" 15 \
    "$(pdftotext -f "$pages" -l "$pages" "$TMP/wrapped.pdf" - | tr -s ' \n' '  ' | grep -o 'wrong buyer name' | wc -l)"

# A 60-character buyer name, Chinese and English, as `customer add` accepts
# it: drawn in full within the buyer's column (each word's box from
# pdftotext -bbox inside it, and inked on the rendered page, so a name cut
# or ellipsized while the text layer keeps it fails), with the taxpayer
# number and the period below it, not over it.
zh_name=上海临港新片区人工智能大模型训练与推理算力基础设施运营服务联合体股份有限公司第二分公司上海浦东张江高科技园区数据中心项目
en_name="Lingang Artificial Intelligence Computing Services Group Ltd"
check_eq "the names are 60 characters" "60 60" "${#zh_name} ${#en_name}"
"$GM" customer add longname --name "$zh_name" >/dev/null 2>&1
check_eq "customer add accepts a 60-character name" 0 "$?"
# The buyer column's words from its label to the taxpayer number, in
# order: "TEXT xMin yMin xMax yMax" each; then "after Y" for the top of
# 账期 (Period), the first row below the parties.
buyer_words() {
    pdftotext -f 1 -l 1 -bbox "$1" - | python3 -c 'import html, re, sys
words = [(html.unescape(m.group(5)), *map(float, m.group(1, 2, 3, 4)))
         for m in re.finditer(r"<word xMin=\"([\d.]+)\" yMin=\"([\d.]+)\" xMax=\"([\d.]+)\" yMax=\"([\d.]+)\">([^<]*)</word>", sys.stdin.read())]
on = False
for w in words:
    if w[0] == "购买方": on = True; continue
    if w[1] > 300 and w[0] in ("纳税人识别号", "alpha", "合同"): break
    if on and w[1] > 300 and w[0] != "Buyer": print("%s %.1f %.1f %.1f %.1f" % w)
print("after %.1f" % min(w[2] for w in words if w[0] == "账期"))'
}
for name in "$zh_name" "$en_name"; do
    echo "UPDATE customer SET name = :'name' WHERE code = 'alpha'" | pg -v name="$name"
    "$GM" invoice run --period 2026-01 --customer alpha >/dev/null 2>&1
    "$GM" invoice show --customer alpha --period 2026-01 --format pdf --output "$TMP/name.pdf"
    bw=$(buyer_words "$TMP/name.pdf")
    words=$(grep -v '^after ' <<<"$bw")
    check_eq "[${name:0:8}...] every character is on the page" "${name// /}" \
        "$(awk '{ printf "%s", $1 }' <<<"$words")"
    check_eq "[${name:0:8}...] every word lies inside the buyer's column (305 to 555 pt)" "" \
        "$(awk '$2 < 304 || $4 > 556 { print }' <<<"$words")"
    check_match "[${name:0:8}...] on more than one line" "^[2-9]$" \
        "$(awk '{ print $3 }' <<<"$words" | sort -u | wc -l)"
    check_eq "[${name:0:8}...] the period row stands below the name" "yes" \
        "$(awk -v after="$(sed -n 's/^after //p' <<<"$bw")" '$5 > m { m = $5 } END { print (m < after ? "yes" : "no " m " " after) }' <<<"$words")"
    last=$(tail -1 <<<"$words" | cut -d' ' -f1)
    inked "[${name:0:8}...] its last word ($last) is ink" "$TMP/name.pdf" 1 "$last"
    cp "$TMP/name.pdf" "$TMP/name-${#last}.pdf"
done
# A name without a space to break at is broken between letters, and
# nothing is drawn that is not in it: Pango's default would draw a hyphen
# at each break (not in the text layer, so only the rendered page shows
# it), and a printed "WWW-" is another name, or an ambiguous one where the
# name has hyphens of its own. Each line of it ends in a W.
echo "UPDATE customer SET name = :'name' WHERE code = 'alpha'" | pg -v name="$(printf 'W%.0s' $(seq 100))"
"$GM" invoice run --period 2026-01 --customer alpha >/dev/null 2>&1
"$GM" invoice show --customer alpha --period 2026-01 --format pdf --output "$TMP/w.pdf"
ends=$(python3 "$ROOT/tests/tools/pdf_line_ends.py" "$TMP/w.pdf" 1 W 556 2>&1)
check_eq "a name without spaces is broken into lines (100 W: 4 of them)" 4 \
    "$(grep -c . <<<"$ends")"
check_eq "and no line of it ends in a mark that is not in the name" "" \
    "$(grep -vx full <<<"$ends")"
# The unit price a line shows multiplies to its amount (issue 35): the
# rate the fapiao shows (price x band x PUE x override), with each factor
# that is not 1 named beside what it belongs to. 10 H800 hours at 10:00
# Shanghai, in the peak band x1.5, under an override x0.9: 16.80 x 1.5 x
# 0.9 = 22.68, 226.80; 84,478,144,000 mJ of accelerator energy
# (≈23.466151 kWh) at a site with PUE 1.25 at 0.80 per facility kWh: a
# rate of 1.00, ≈23.466151 x 1.00 = 23.47.
"$GM" customer add tou --name "Tou Compute" --tax-id 91310115MA1H8XKP3N >/dev/null 2>&1
cat >"$TMP/tou-site.json" <<'JSON'
{"site": "sh1", "name": "Shanghai 1", "effective_from": "2026-01-01", "pue": "1.25"}
JSON
cat >"$TMP/tou-plan.json" <<'JSON'
{"plan": "tou-2026", "name": "Tou 2026", "currency": "CNY", "effective_from": "2026-01-01",
 "gpu_hours": {"prices": [{"model": "H800", "unit_price": "16.80"}],
               "time_of_use": [{"band": "peak", "from": 8, "to": 12, "multiplier": "1.5"}]},
 "energy_kwh": {"unit_price": "0.80"}}
JSON
cat >"$TMP/tou-contract.json" <<'JSON'
{"contract": "tou-2026", "customer": "tou", "effective_from": "2026-01-01", "plan": "tou-2026",
 "currency": "CNY", "tax_rate": "0.06", "accounts": [{"account": "ns-tou"}],
 "overrides": [{"meter": "gpu_hours", "model": "H800", "multiplier": "0.9"}]}
JSON
"$GM" site apply "$TMP/tou-site.json" >/dev/null 2>&1 && "$GM" plan apply "$TMP/tou-plan.json" >/dev/null 2>&1 &&
    "$GM" contract apply "$TMP/tou-contract.json" >/dev/null 2>&1
check_eq "a site at PUE 1.25, a plan with a peak band x1.5 and a contract x0.9 apply" 0 "$?"
printf 't\t{"v":1,"source":"t","seq":1,"account":"ns-tou","cluster":"c","site":"sh1","model":"H800","vendor":"nvidia","gpu_ms":%d,"energy_mj":84478144000,"start":"2026-02-10T02:00:00Z","end":"2026-02-10T03:00:00Z"}\n' \
    $((10 * 3600000)) | kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
"$GM" rate --until-idle 2>/dev/null
"$GM" invoice run --period 2026-02 --customer tou >/dev/null 2>"$TMP/run.err" ||
    fail "invoice run 2026-02 for tou: expected exit 0, got: $(cat "$TMP/run.err")"
"$GM" invoice issue --period 2026-02 >/dev/null 2>"$TMP/run.err" ||
    fail "invoice issue 2026-02: expected exit 0, got: $(cat "$TMP/run.err")"
tou=$(q "SELECT i.number FROM invoice i JOIN customer c ON c.id = i.customer_id
         WHERE i.period = '2026-02-01' AND i.kind = 'invoice' AND c.code = 'tou'")
"$GM" invoice show "$tou" --format pdf --output "$TMP/tou.pdf"
text=$(pdftotext -layout "$TMP/tou.pdf" - 2>&1)
gpu_row=$(grep -m1 'GPU 时长 · NVIDIA H800' <<<"$text")
kwh_row=$(grep -m1 '电力 · NVIDIA H800' <<<"$text")
check_match "the band line names its band's x1.5 and the contract's x0.9, at the rate 22.68" \
    "GPU 时长 · NVIDIA H800 · peak x1.5 · 合同 x0.9 +10 +22.68 +226.80" "$gpu_row"
check_match "in English too" "GPU time · NVIDIA H800 · peak x1.5 · contract x0.9" "$text"
check_match "the energy line names its site's PUE 1.25, at the rate 1.00, not the plan's 0.80" \
    "电力 · NVIDIA H800 · 站点 sh1 PUE 1.25 +≈23.466151 +1.00 +23.47" "$kwh_row"
# quantity x rate = amount within 0.01, read off each row as printed
times() { # row -> "ok" when its last three numbers multiply within 0.01
    awk '{ a = $NF; r = $(NF - 1); q = $(NF - 2); sub(/≈/, "", q)
           d = q * r - a; if (d < 0) d = -d; print (d <= 0.01 ? "ok" : q " x " r " is not " a) }' <<<"$1"
}
check_eq "the band line's quantity x unit price is its amount" ok "$(times "$gpu_row")"
check_eq "the energy line's quantity x unit price is its amount" ok "$(times "$kwh_row")"
cat >>"$GPUMETER_CONFIG" <<'CONF'
fapiao.tax_code = 3040203000000000000
CONF
"$GM" export etax --period 2026-02 --output "$TMP/tou.xlsx" >"$TMP/etax.out" 2>&1 ||
    fail "export etax 2026-02: expected exit 0, got: $(cat "$TMP/etax.out")"
cells=$(python3 "$ROOT/tests/tools/xlsx_cells.py" "$TMP/tou.xlsx" | grep "A=$tou")
rate_of() { # item -> the fapiao's 单价 (G) of that line, trailing zeros off
    grep "B=$1" <<<"$cells" | sed -n 's/.*\tG=\([^\t]*\).*/\1/p' | sed 's/\(\.[0-9]*[1-9]\)0*$/\1/; s/\.0*$//'
}
shown_rate() { awk '{ print $(NF - 1) }' <<<"$1" | sed 's/\(\.[0-9]*[1-9]\)0*$/\1/; s/\.0*$//'; }
check_eq "the band line's rate is the fapiao's 单价" "$(rate_of 'GPU 时长')" "$(shown_rate "$gpu_row")"
check_eq "the energy line's rate is the fapiao's 单价" "$(rate_of '电力')" "$(shown_rate "$kwh_row")"
txt=$("$GM" invoice show "$tou" 2>&1)
check_match "the text invoice shows the same rates, the factors beside the line" \
    "H800 @peak x1.5 contract x0.9 +10.000000 GPU-hour +22.68 +226.80" "$txt"
check_match "and the energy line's" "H800 site sh1 PUE 1.25 +23.466151 kWh +1.00 +23.47" "$txt"
check_eq "the line column widens to its longest line: every row as long as the heads" 1 \
    "$(grep -E '^(#|[0-9]+) ' <<<"$txt" | awk '{ print length($0) }' | sort -u | wc -l)"
json=$("$GM" invoice show "$tou" --format json 2>&1)
check_eq "JSON keeps the plan's price and gives the rate beside it (energy, then GPU time)" \
    "0.800000 1.000000 16.800000 22.680000" \
    "$(jq -r '[.lines[] | select(.kind == "usage") | .unit_price, .rate] | join(" ")' <<<"$json")"
pdftoppm -r 80 -png "$TMP/tou.pdf" "$TMP/tou" 2>/dev/null
[ -n "${GPUMETER_KEEP_PNG:-}" ] && cp "$TMP"/tou*.png "$GPUMETER_KEEP_PNG"/ 2>/dev/null
finish
