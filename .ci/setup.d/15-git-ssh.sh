# The git gate's tests make repositories with stock git and sign tags with stock ssh-keygen
# (openssh-client), as release managers do (`git -c gpg.format=ssh tag -s`).
need=()
command -v git >/dev/null 2>&1 || need+=(git)
command -v ssh-keygen >/dev/null 2>&1 || need+=(openssh-client)
if [ "${#need[@]}" -gt 0 ]; then
  apt_install "${need[@]}"
fi
git --version
# ssh -V prints to stderr; ssh-keygen has no version flag.
ssh -V 2>&1 | sed -n 1p
