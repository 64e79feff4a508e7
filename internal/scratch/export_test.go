package scratch

// OwnerFile is the owner file's name, for the tests outside the package.
const OwnerFile = ownerFile
