#!/bin/sh
# make run: what a person sees first.  Load minivm in the test machine and
# show its capability report; the hello guests join here with the launcher.
echo "== insmod minivm.ko"
insmod /minivm/modules/minivm.ko || { dmesg | grep minivm; exit 1; }
dmesg | grep 'minivm:'
echo "== minivm info -v"
minivm info -v
