#!/usr/bin/env python3
# embed.py IN OUT NAME - write OUT, a C file defining `const char NAME[]`
# (IN's bytes, NUL-terminated) and `const unsigned NAME_len`.
import sys

src, dst, name = sys.argv[1:4]
data = open(src, 'rb').read()
with open(dst, 'w') as f:
    f.write('/* generated from %s by embed.py; do not edit */\n' % src.split('/')[-1])
    f.write('extern const char %s[];\nextern const unsigned %s_len;\n' % (name, name))
    f.write('const char %s[] = {\n' % name)
    for i in range(0, len(data), 16):
        f.write('\t' + ', '.join('0x%02x' % b for b in data[i:i + 16]) + ',\n')
    f.write('\t0x00\n};\nconst unsigned %s_len = %d;\n' % (name, len(data)))
